"""Serving the RBM API on its own port (8093 by default) next to the rest of the sandbox.

The app needs its lifespan (it holds the webhook client), so it is served by its own
uvicorn server rather than mounted under another app (Starlette does not run a mounted
app's lifespan). Port 0 binds a free port; `RunningRbm.port` tells which.
"""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

from cpaas.sandbox.rbm.app import build_rbm_app
from cpaas.sandbox.rbm.settings import RbmSandboxSettings

STARTUP_TIMEOUT_SECONDS = 10.0


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server inside another process's event loop: the host owns the signals
    (its shutdown ends this server through the context manager below)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.http_host, settings.http_port))
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=2)
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="rbm-sandbox")
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # raises why it could not start
                await asyncio.sleep(0.01)
        yield RunningRbm(app, sock.getsockname()[1])
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
