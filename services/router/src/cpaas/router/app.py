"""Composition root of the router: `build_app` builds the Router and its subscriber from
the settings and the parts a test passes in; the pool, the console's change listener and
the broker are opened in the lifespan."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.control_plane import ControlPlane
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import ping, service_pool
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan
from cpaas.platform.started import Started, started
from cpaas.router import store
from cpaas.router.handlers import Router, register
from cpaas.router.settings import RouterSettings

log = logging.getLogger(__name__)
SCHEMA = "router"
MIGRATIONS = Path(__file__).parent / "migrations"
PARKED_SWEEP_EVERY = 120  # timer rounds


async def _timers(router: Router, settings: RouterSettings) -> None:
    rounds = 0
    while True:
        try:
            while await router.fire_due():
                pass
            rounds += 1
            if rounds % PARKED_SWEEP_EVERY == 0:
                await store.expire_parked(router.pool, settings.early_status_retention_seconds)
        except Exception:
            log.exception("timer round failed; retrying")
        await asyncio.sleep(settings.timer_interval_seconds)


def build_app(
    settings: RouterSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`db`: a pool the caller owns (else one is opened in the lifespan); `http` is unused:
    the router calls no HTTP service (the parameter keeps every service's shape)."""
    health = HealthState()
    broker = broker or make_broker(settings.kafka, client_id="router", graceful_timeout=settings.shutdown_grace_seconds)
    publisher = EventPublisher(broker, settings.kafka, source="router")
    router: Started[Router] = Started("router")
    register(broker, settings.kafka, router, linger_ms=settings.batch_linger_ms)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await service_pool(stack, settings, schema=SCHEMA, migrations=MIGRATIONS, given=db)
            health.add_check("postgres", lambda: ping(pool))
            control = ControlPlane(pool, ttl_seconds=settings.template_cache_seconds)
            await stack.enter_async_context(control.listening(settings.postgres.dsn))
            running = stack.enter_context(started(router, Router(pool, control, publisher, settings)))
            await stack.enter_async_context(broker_lifespan(broker, health))
            timers = asyncio.create_task(_timers(running, settings))
            health.started = True
            try:
                yield
            finally:
                health.draining = True
                timers.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await timers

    app = FastAPI(title="CPaaS router", lifespan=lifespan)
    app.state.router = router
    mount_ops(app, health)
    return app
