"""`python -m cpaas.voice_connector`: the voice connector, webhook and ops endpoints on 8087."""

from cpaas.platform.serve import run
from cpaas.voice_connector.app import build_app
from cpaas.voice_connector.settings import VoiceConnectorSettings


def main() -> None:
    settings = VoiceConnectorSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
