"""`python -m cpaas.webhooks`: serve the webhooks service until SIGTERM."""

from cpaas.platform.serve import run
from cpaas.webhooks.app import build_app
from cpaas.webhooks.settings import WebhooksSettings


def main() -> None:
    settings = WebhooksSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
