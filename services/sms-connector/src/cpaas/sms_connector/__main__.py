"""`python -m cpaas.sms_connector`: the SMS connector with /healthz /readyz /metrics on 8084."""

from cpaas.platform.serve import run
from cpaas.sms_connector.app import build_app
from cpaas.sms_connector.settings import SmsConnectorSettings


def main() -> None:
    settings = SmsConnectorSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
