"""The WhatsApp Cloud API as the carrier world answers it: template sends on
`POST /{version}/{phone_number_id}/messages`, template registration on
`POST /{version}/{waba_id}/message_templates`, and signed webhooks for message statuses
and template reviews, with the magic recipient numbers of `cpaas.sandbox.outcomes`.

`build_whatsapp_app(settings)` is the ASGI app (its own lifespan, its own port, 8092 by
default); `serving(app, sock)` runs it (or any app) with uvicorn in the current loop.
"""

from cpaas.sandbox.whatsapp.app import build_whatsapp_app
from cpaas.sandbox.whatsapp.server import bind_socket, serving
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings

__all__ = ["WhatsAppSandboxSettings", "bind_socket", "build_whatsapp_app", "serving"]
