"""Composition root of the billing service: the charging subscriber on msg.status, the
internal HTTP API for the console, and the ops endpoints. `build_app` builds everything
from the settings and the parts a test passes in; the pool, the console's change listener
and the broker are opened in the lifespan."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.billing.api.routes import build_router
from cpaas.billing.handlers import ChargingHandler, register_charging
from cpaas.billing.seed import MIGRATIONS
from cpaas.billing.settings import BillingSettings
from cpaas.billing.store import SCHEMA, BillingStore
from cpaas.control_plane import ControlPlane
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import ping, service_pool
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan


def build_app(
    settings: BillingSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`db`: a pool the caller owns (else one is opened in the lifespan); `http` is unused:
    billing calls no HTTP service (the parameter keeps every service's shape)."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await service_pool(stack, settings, schema=SCHEMA, migrations=MIGRATIONS, given=db)
            health.add_check("postgres", lambda: ping(pool))
            store = BillingStore(pool, currency=settings.currency)
            control = ControlPlane(pool, ttl_seconds=settings.template_cache_seconds)
            await stack.enter_async_context(control.listening(settings.postgres.dsn))
            publisher = EventPublisher(broker, settings.kafka, source=settings.service_name)
            handler = ChargingHandler(broker, store, control, publisher, home_region=settings.home_country)
            register_charging(
                broker,
                handler,
                settings.kafka,
                group_id=settings.consumer_group,
                max_records=settings.batch_max_records,
                batch_timeout_ms=settings.batch_timeout_ms,
                linger_ms=settings.batch_linger_ms,
            )
            app.state.store = store
            # on exit: readiness drops, the subscriber drains its batch in flight and commits, then the pool closes
            await stack.enter_async_context(broker_lifespan(broker, health))
            health.started = True
            yield

    app = FastAPI(
        title="CPaaS billing",
        version="1.0.0",
        lifespan=lifespan,
        description="Internal API of prepaid balances, the transaction log and the price list; called by the"
        " console with the `X-Service-Token` header. Amounts are integer minor units.",
    )
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(build_router(service_token=settings.service_token, max_page_size=settings.max_page_size))
    return app
