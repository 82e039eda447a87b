"""Running a service: uvicorn with graceful shutdown, and the lifespan that ties a
broker and the readiness state to the app.

Shutdown order (SIGTERM or Ctrl-C): /readyz turns 503 at once, uvicorn stops accepting
connections and finishes in-flight requests, then the broker stops its subscribers,
waiting up to the grace period for handlers in flight to finish and commit, and the
producer flushes; only then are pools closed.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
import uvloop
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

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
