"""Running a service: uvicorn with graceful shutdown, and the lifespan that ties a
broker and the readiness state to the app.

Shutdown order (SIGTERM or Ctrl-C): /readyz turns 503 at once, uvicorn stops accepting
connections and finishes in-flight requests, then the broker stops its subscribers,
waiting up to the grace period for handlers in flight to finish and commit, and the
producer flushes; only then are pools closed.
"""

import asyncio
import contextlib
import gc
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import uvicorn
import uvloop
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from starlette.types import ASGIApp

from cpaas.platform.logs import configure_logging
from cpaas.platform.ops import HealthState, InternalRoutesGuard
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


GC_THRESHOLDS = (20_000, 50, 100)  # CPython's default is (700, 10, 10)


def tune_gc() -> None:
    """Once a service has started: move everything allocated so far (modules, pydantic
    schemas, phonenumbers' metadata, pools) out of the collector's reach (`gc.freeze`), and
    collect the young generation every 20,000 allocations instead of 700. With the default,
    a consumer decoding a few thousand events per poll spent about half its CPU in the
    cyclic collector rescanning long-lived objects (bench/anomaly.py: decode 32 -> 15 us per
    event). Nothing here leaks: reference counting still frees at once everything without
    a cycle, and cycles are still collected, only in larger steps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


STARTUP_RETRY_FIRST_SECONDS = 0.5
STARTUP_RETRY_MAX_SECONDS = 15.0

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def startup_backoff(failures: int) -> float:
    """Seconds to wait after the `failures`-th failed start: doubling, capped."""
    return min(STARTUP_RETRY_MAX_SECONDS, STARTUP_RETRY_FIRST_SECONDS * 2 ** (failures - 1))


def keep_starting(
    inner: Lifespan, health: HealthState, *, backoff: Callable[[int], float] = startup_backoff
) -> Lifespan:
    """A lifespan that serves HTTP at once and starts `inner` in the background, again and
    again with backoff while it fails (Kafka or PostgreSQL not there yet, or gone while
    starting), instead of failing the process ("Application startup failed").

    Meanwhile /healthz answers 200, /readyz 503 ("startup: in progress") and every other
    route 503 (`ops.NotStartedGuard`). A failed attempt's own exit stack has closed what it
    opened. On shutdown a start still in progress is cancelled; a started one is asked to
    stop and drains as usual (its code runs in one task, start to stop).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()

        async def run_inner() -> None:
            failures = 0
            while True:
                try:
                    async with inner(app):
                        tune_gc()
                        if failures:
                            log.info("started after waiting for infrastructure", extra={"attempts": failures + 1})
                        await stop.wait()
                    return
                except Exception as exc:
                    if health.started:  # it had started: this is a failure while stopping
                        log.exception("shutdown failed")
                        return
                    failures += 1
                    delay = backoff(failures)
                    log.warning(
                        "start failed; retrying",
                        extra={"error": f"{type(exc).__name__}: {exc}", "attempt": failures, "retry_in_s": delay},
                    )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
                    if stop.is_set():
                        return

        task = asyncio.create_task(run_inner(), name="keep-starting")
        try:
            yield
        finally:
            stop.set()
            health.draining = True
            if not health.started:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


def run(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve `app` until SIGTERM/SIGINT, then shut down gracefully. The app's lifespan is
    started by `keep_starting`, so a service whose infrastructure is away waits for it.

    uvicorn's proxy-header rewriting is off: it would take X-Forwarded-For from any loopback
    peer as the client address; services read forwarded addresses themselves, from their
    configured number of trusted proxies only."""
    configure_logging(settings.service_name, settings.log_level)
    health = getattr(app.state, "health", None)
    if health is not None:
        app.router.lifespan_context = keep_starting(app.router.lifespan_context, health)
    sockets = [bind_socket(settings.http_host, settings.http_port)]
    asgi: ASGIApp = app
    if settings.internal_port is not None:
        sockets.append(bind_socket(settings.http_host, settings.internal_port))
        asgi = InternalRoutesGuard(app, settings.internal_port)
    config = uvicorn.Config(
        asgi,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        lifespan="on",
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(server.serve(sockets=sockets))


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
async def serving(
    app: ASGIApp, sock: socket.socket, *, grace_seconds: int = 5, internal_sock: socket.socket | None = None
) -> AsyncIterator[int]:
    """Serve `app` (lifespan included) on `sock` in the running loop until the block ends;
    yields the port. On exit the server stops accepting, finishes requests in flight,
    then runs the app's shutdown. Used by the sandbox for its extra APIs and by tests.
    With `internal_sock`, /metrics and /internal/ are served there only, as `run` does."""
    sockets = [sock]
    if internal_sock is not None:
        sockets.append(internal_sock)
        app = InternalRoutesGuard(app, internal_sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=grace_seconds,
        proxy_headers=False,  # as run(): a forwarded address is the service's to judge
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=sockets), name=f"uvicorn:{sock.getsockname()[1]}")
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
        for each in sockets:
            each.close()
