from cpaas.gateway.app import build_app
from cpaas.gateway.settings import GatewaySettings
from cpaas.platform.serve import run


def main() -> None:
    settings = GatewaySettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
