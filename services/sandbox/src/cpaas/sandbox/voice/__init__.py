"""The sandbox's programmable-voice API (Twilio's Calls REST shape, signed form-encoded
status callbacks). `build_voice_app(VoiceSandboxSettings())` is the ASGI app (port 8094 by
default, env prefix CPAAS_SANDBOX_VOICE_); `serve(app, host, port)` runs it on its own port
inside a running event loop (e.g. within the sandbox service's lifespan).

Magic recipients (last three digits; 901-905 from the sandbox's shared outcomes table):
  default, 903, 904  initiated -> ringing -> in-progress -> completed (CallDuration > 0, SIP 200)
  901                initiated -> ringing -> no-answer (SIP 487)
  902                initiated, then nothing ever
  905                refused at creation: 400 {"code": 13224, ...}
  906                initiated -> busy (SIP 486)
  907                initiated -> failed (SIP 404)
"""

from cpaas.sandbox.voice.app import build_voice_app
from cpaas.sandbox.voice.server import serve
from cpaas.sandbox.voice.settings import VoiceSandboxSettings

__all__ = ["VoiceSandboxSettings", "build_voice_app", "serve"]
