"""The programmable-voice provider: Twilio's Calls REST API shape and signed status callbacks."""

from cpaas.voice_connector.providers.programmable_voice.provider import ProgrammableVoice

__all__ = ["ProgrammableVoice"]
