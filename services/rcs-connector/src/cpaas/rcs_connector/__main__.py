"""`python -m cpaas.rcs_connector`: the RCS connector, its RBM webhook and /healthz /readyz /metrics on 8086."""

from cpaas.platform.serve import run
from cpaas.rcs_connector.app import build_app
from cpaas.rcs_connector.settings import RcsConnectorSettings


def main() -> None:
    settings = RcsConnectorSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
