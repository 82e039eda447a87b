"""The sandbox's programmable-voice API: Twilio's Calls REST shape, signed status
callbacks, magic numbers (see calls.py). `build_voice_app(VoiceSandboxSettings())` is the
ASGI app; `serve(app, host, port)` runs it on its own port inside a running loop."""

from cpaas.sandbox.voice.app import build_voice_app
from cpaas.sandbox.voice.server import serve
from cpaas.sandbox.voice.settings import VoiceSandboxSettings

__all__ = ["VoiceSandboxSettings", "build_voice_app", "serve"]
