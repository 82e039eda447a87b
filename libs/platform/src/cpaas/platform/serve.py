"""Running a service: uvicorn with graceful shutdown, and the lifespan that ties a
broker and the readiness state to the app.

Shutdown order (SIGTERM or Ctrl-C): /readyz turns 503 at once, uvicorn stops accepting
connections and finishes in-flight requests, then the broker stops its subscribers,
waiting up to the grace period for handlers in flight to finish and commit, and the
producer flushes; only then are pools closed.
"""

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import uvicorn
import uvloop
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from starlette.types import ASGIApp

from cpaas.platform.logs import configure_logging
from cpaas.platform.ops import HealthState
from cpaas.platform.settings import ServiceSettings

log = logging.getLogger(__name__)


@asynccontextmanager
async def broker_lifespan(broker: KafkaBroker, health: HealthState) -> AsyncIterator[KafkaBroker]:
    """Start the broker (producer and subscribers); on exit drain in-flight handlers."""
    await broker.start()
    health.add_check("kafka", lambda: broker.ping(timeout=1.0))
    try:
        yield broker
    finally:
        health.draining = True
        await broker.stop()


def run(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve `app` until SIGTERM/SIGINT, then shut down gracefully."""
    configure_logging(settings.service_name, settings.log_level)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        lifespan="on",
    )
    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(server.serve())


EMBEDDED_STARTUP_TIMEOUT_SECONDS = 15


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server inside a host process's loop: it leaves SIGINT/SIGTERM to the host
    (whose own shutdown ends this server) instead of taking the handlers over."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound TCP socket (port 0: a free one), so its port is known before serving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@asynccontextmanager
async def serving(app: ASGIApp, sock: socket.socket, *, grace_seconds: int = 5) -> AsyncIterator[int]:
    """Serve `app` (lifespan included) on `sock` in the running loop until the block ends;
    yields the port. On exit the server stops accepting, finishes requests in flight,
    then runs the app's shutdown. Used by the sandbox for its extra APIs and by tests."""
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=grace_seconds
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn:{sock.getsockname()[1]}")
    try:
        async with asyncio.timeout(EMBEDDED_STARTUP_TIMEOUT_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # raises why it could not start
                    raise RuntimeError("the server stopped while starting")
                await asyncio.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
