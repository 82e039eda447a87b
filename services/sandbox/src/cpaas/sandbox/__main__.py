"""`python -m cpaas.sandbox`: the SMSC on CPAAS_SANDBOX_SMPP_PORT, HTTP on CPAAS_SANDBOX_HTTP_PORT."""

from cpaas.platform.serve import run
from cpaas.sandbox.app import build_app
from cpaas.sandbox.settings import SandboxSettings


def main() -> None:
    settings = SandboxSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
