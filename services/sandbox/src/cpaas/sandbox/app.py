"""Composition root of the sandbox: the SMSC and the HTTP API share one lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cpaas.platform.ops import HealthState, mount_ops
from cpaas.sandbox.api import router
from cpaas.sandbox.settings import SandboxSettings
from cpaas.sandbox.smsc import Smsc


def build_app(settings: SandboxSettings) -> FastAPI:
    """The sandbox app; `app.state.smsc.port` is the SMPP port once the lifespan started."""
    health = HealthState()
    smsc = Smsc(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await smsc.start()
        health.started = True
        try:
            yield
        finally:
            health.draining = True
            await smsc.stop()

    app = FastAPI(title="CPaaS sandbox", description="The carrier world: an SMSC (SMPP 3.4)", lifespan=lifespan)
    app.state.settings = settings
    app.state.smsc = smsc
    mount_ops(app, health)
    app.include_router(router)
    return app
