"""`python -m cpaas.reporting`: serve the reporting service until SIGTERM."""

from cpaas.platform.serve import run
from cpaas.reporting.app import build_app
from cpaas.reporting.settings import ReportingSettings


def main() -> None:
    settings = ReportingSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
