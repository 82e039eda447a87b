"""Serving the RBM API on its own port (8093 by default) next to the rest of the sandbox.

The app needs its lifespan (it holds the webhook client), so it is served by its own
uvicorn server rather than mounted under another app (Starlette does not run a mounted
app's lifespan). Port 0 binds a free port; `RunningRbm.port` tells which.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from cpaas.platform.serve import bind_socket, serving
from cpaas.sandbox.rbm.app import build_rbm_app
from cpaas.sandbox.rbm.settings import RbmSandboxSettings


@dataclass(frozen=True)
class RunningRbm:
    app: FastAPI
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def running_rbm_server(
    settings: RbmSandboxSettings, *, webhook_transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[RunningRbm]:
    """Serve the RBM API until the block exits; pending events are cancelled then."""
    app = build_rbm_app(settings, webhook_transport=webhook_transport)
    async with serving(app, bind_socket(settings.http_host, settings.http_port), grace_seconds=2) as port:
        yield RunningRbm(app, port)
