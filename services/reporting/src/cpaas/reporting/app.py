"""Composition root of the reporting service: the message-log and costs subscribers,
partition maintenance, and the ops endpoints (the gateway and console read the tables
directly). `build_app` builds the subscribers from the settings and the parts a test
passes in; the pool and the broker are opened in the lifespan."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.platform.broker import make_broker
from cpaas.platform.db import ping, service_pool
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan
from cpaas.platform.started import Started, started
from cpaas.reporting.handlers import MessageLogHandler, message_log_topics, register_costs, register_message_log
from cpaas.reporting.maintenance import maintain_partitions, maintain_partitions_forever
from cpaas.reporting.settings import ReportingSettings
from cpaas.reporting.store import MessageLog

SCHEMA = "reporting"
MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(
    settings: ReportingSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`db`: a pool the caller owns (else one is opened in the lifespan); `http` is unused:
    reporting calls no HTTP service (the parameter keeps every service's shape)."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    message_log: Started[MessageLog] = Started("reporting")
    handler: Started[MessageLogHandler] = Started("reporting")
    register_costs(
        broker,
        settings.kafka,
        message_log,
        group_id=f"{settings.consumer_group}-costs",
        linger_ms=settings.batch_linger_ms,
    )
    register_message_log(
        broker,
        handler,
        message_log_topics(settings.kafka),
        group_id=settings.consumer_group,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        linger_ms=settings.batch_linger_ms,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await service_pool(stack, settings, schema=SCHEMA, migrations=MIGRATIONS, given=db)
            health.add_check("postgres", lambda: ping(pool))
            log = stack.enter_context(started(message_log, MessageLog(pool)))
            partitions = {"retention_days": settings.retention_days, "ahead_days": settings.partitions_ahead_days}
            await maintain_partitions(log, **partitions)
            stack.enter_context(
                started(handler, MessageLogHandler(broker, log, settings.kafka, retention_days=settings.retention_days))
            )
            maintenance = asyncio.create_task(
                maintain_partitions_forever(log, **partitions, interval_seconds=settings.maintenance_interval_seconds)
            )
            app.state.message_log = log
            try:
                async with broker_lifespan(broker, health):
                    health.started = True
                    yield
            finally:
                maintenance.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await maintenance

    app = FastAPI(title="CPaaS reporting", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    mount_ops(app, health)
    return app
