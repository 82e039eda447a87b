"""Composition root of the sandbox: the SMSC (SMPP 3.4), its HTTP API, and the WhatsApp
Cloud API, RBM and programmable-voice imitations on their own ports, in one lifespan."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import bind_socket, serving
from cpaas.sandbox.api import router
from cpaas.sandbox.rbm import running_rbm_server
from cpaas.sandbox.settings import SandboxSettings
from cpaas.sandbox.smsc import Smsc
from cpaas.sandbox.voice import build_voice_app
from cpaas.sandbox.voice import serve as serve_voice
from cpaas.sandbox.whatsapp import build_whatsapp_app


def build_app(settings: SandboxSettings) -> FastAPI:
    """The sandbox app; `app.state.smsc.port` is the SMPP port once the lifespan started."""
    health = HealthState()
    smsc = Smsc(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await smsc.start()
            stack.push_async_callback(smsc.stop)
            if settings.serve_channel_apis:
                wa, voice = settings.whatsapp, settings.voice
                await stack.enter_async_context(
                    serving(build_whatsapp_app(wa), bind_socket(wa.http_host, wa.http_port))
                )
                await stack.enter_async_context(running_rbm_server(settings.rbm))
                await stack.enter_async_context(serve_voice(build_voice_app(voice), voice.http_host, voice.http_port))
            health.started = True
            try:
                yield
            finally:
                health.draining = True

    app = FastAPI(
        title="CPaaS sandbox",
        description="The carrier world: an SMSC (SMPP 3.4), WhatsApp Cloud API, RBM and voice APIs",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.smsc = smsc
    mount_ops(app, health)
    app.include_router(router)
    return app
