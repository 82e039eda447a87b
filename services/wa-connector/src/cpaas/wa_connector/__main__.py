"""`python -m cpaas.wa_connector`: the WhatsApp connector, webhooks and /healthz /readyz /metrics on 8085."""

from cpaas.platform.serve import run
from cpaas.wa_connector.app import build_app
from cpaas.wa_connector.settings import WaConnectorSettings


def main() -> None:
    settings = WaConnectorSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
