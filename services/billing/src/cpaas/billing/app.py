"""Composition root of the billing service: the charging subscriber on msg.status, the
internal HTTP API for the console, and the ops endpoints."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.billing.api import build_router
from cpaas.billing.handlers import ChargingHandler, register_charging
from cpaas.billing.seed import MIGRATIONS
from cpaas.billing.settings import BillingSettings
from cpaas.billing.store import SCHEMA, BillingStore
from cpaas.billing.templates import TemplateCatalog
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.pg_listen import Listener
from cpaas.platform.serve import broker_lifespan


def build_app(settings: BillingSettings, *, broker: KafkaBroker | None = None) -> FastAPI:
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await create_pool(settings.postgres, schema=SCHEMA, application_name=settings.service_name)
            stack.push_async_callback(pool.close)
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            health.add_check("postgres", lambda: ping(pool))
            store = BillingStore(pool, currency=settings.currency)
            catalog = TemplateCatalog(pool, ttl_seconds=settings.template_cache_seconds)
            listener = Listener(settings.postgres.dsn, "cpaas_console", catalog.on_notify, catalog.on_reconnect)
            await listener.start()
            stack.push_async_callback(listener.stop)
            publisher = EventPublisher(broker, settings.kafka, source=settings.service_name)
            handler = ChargingHandler(broker, store, catalog, publisher, home_region=settings.home_country)
            register_charging(
                broker,
                handler,
                settings.kafka,
                group_id=settings.consumer_group,
                max_records=settings.batch_max_records,
                batch_timeout_ms=settings.batch_timeout_ms,
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
