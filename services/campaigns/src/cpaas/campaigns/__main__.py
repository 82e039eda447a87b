from cpaas.campaigns.app import build_app
from cpaas.campaigns.settings import CampaignsSettings
from cpaas.platform.serve import run


def main() -> None:
    settings = CampaignsSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
