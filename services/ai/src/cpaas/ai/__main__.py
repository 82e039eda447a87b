"""`python -m cpaas.ai`: serve the AI service (compliance check, AI Assist, Traffic Anomaly and
Spam Detection) until SIGTERM. The settings are read before the app (and scikit-learn) is
imported, so a refused production setting fails at once."""

from cpaas.ai.settings import AiSettings
from cpaas.platform.serve import run


def main() -> None:
    settings = AiSettings()
    from cpaas.ai.app import build_app  # after the settings are known good

    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
