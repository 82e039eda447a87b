"""`python -m cpaas.ai`: serve the AI service (compliance check, AI Assist) until SIGTERM."""

from cpaas.ai.app import build_app
from cpaas.ai.settings import AiSettings
from cpaas.platform.serve import run


def main() -> None:
    settings = AiSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
