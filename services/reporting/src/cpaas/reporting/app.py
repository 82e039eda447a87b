"""Composition root of the reporting service: the message-log subscriber, partition
maintenance, and the ops endpoints (the gateway and console read the tables directly)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.platform.broker import make_broker
from cpaas.platform.db import ping, pool_lifespan
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan
from cpaas.reporting.costs import register_costs
from cpaas.reporting.handlers import MessageLogHandler, register_message_log
from cpaas.reporting.maintenance import maintain_partitions, maintain_partitions_forever
from cpaas.reporting.settings import ReportingSettings
from cpaas.reporting.store import MessageLog

SCHEMA = "reporting"
MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ReportingSettings, *, broker: KafkaBroker | None = None) -> FastAPI:
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )

    holder: dict = {}
    register_costs(broker, settings.kafka, lambda: holder["pool"], group_id=f"{settings.consumer_group}-costs")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with pool_lifespan(settings.postgres, schema=SCHEMA, application_name=settings.service_name) as pool:
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            health.add_check("postgres", lambda: ping(pool))
            message_log = MessageLog(pool)
            partitions = {"retention_days": settings.retention_days, "ahead_days": settings.partitions_ahead_days}
            await maintain_partitions(message_log, **partitions)
            handler = MessageLogHandler(broker, message_log, settings.kafka, retention_days=settings.retention_days)
            register_message_log(
                broker,
                handler,
                group_id=settings.consumer_group,
                max_records=settings.batch_max_records,
                batch_timeout_ms=settings.batch_timeout_ms,
            )
            holder["pool"] = pool
            maintenance = asyncio.create_task(
                maintain_partitions_forever(
                    message_log, **partitions, interval_seconds=settings.maintenance_interval_seconds
                )
            )
            app.state.message_log = message_log
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
