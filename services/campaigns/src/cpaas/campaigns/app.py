"""Composition root of the campaigns service: the API (public with the API key, internal
with the service token), the dispatcher, and the msg.status subscriber."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import asyncpg
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.campaigns.api.auth import api_key_account, service_account
from cpaas.campaigns.api.campaigns import build_router
from cpaas.campaigns.billing import BillingReader
from cpaas.campaigns.clock import Clock, SystemClock
from cpaas.campaigns.control_plane import ConsoleData, ConsoleReader
from cpaas.campaigns.creation import Campaigns
from cpaas.campaigns.dispatch import Dispatcher
from cpaas.campaigns.handlers import register_status_subscriber
from cpaas.campaigns.settings import CampaignsSettings
from cpaas.campaigns.store import SCHEMA, CampaignStore
from cpaas.control_plane import ControlPlane
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(
    settings: CampaignsSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: object | None = None,
    clock: Clock | None = None,
    console: ConsoleData | None = None,
) -> FastAPI:
    """`db`: a pool to use (else one is opened); `console`: the console's data (else read
    from its tables); `clock`: the wall clock (tests set the time). `http` is unused: the
    service calls no HTTP API."""
    health = HealthState()
    clock = clock or SystemClock()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    holder: dict = {}
    register_status_subscriber(
        broker,
        lambda: holder["store"],
        settings.kafka,
        group_id=settings.consumer_group,
        max_records=settings.status_batch_max_records,
        batch_timeout_ms=settings.status_batch_timeout_ms,
        linger_ms=settings.status_batch_linger_ms,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = db
            if pool is None:
                pool = await create_pool(settings.postgres, schema=SCHEMA, application_name=settings.service_name)
                stack.push_async_callback(pool.close)
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            health.add_check("postgres", lambda: ping(pool))
            store = holder["store"] = CampaignStore(pool)
            data = console
            if data is None:
                control = ControlPlane(pool, ttl_seconds=settings.cache_ttl_seconds)
                listener = control.listener(settings.postgres.dsn)
                await listener.start()
                data = ConsoleReader(control)
                stack.push_async_callback(listener.stop)
            billing = BillingReader(pool)
            await stack.enter_async_context(broker_lifespan(broker, health))
            dispatcher = Dispatcher(
                settings=settings,
                store=store,
                console=data,
                billing=billing,
                publisher=EventPublisher(broker, settings.kafka, source=settings.service_name),
                clock=clock,
                dsn=settings.postgres.dsn,
            )
            await dispatcher.start()
            stack.push_async_callback(dispatcher.stop)
            app.state.console = data
            app.state.dispatcher = dispatcher
            app.state.campaigns = Campaigns(settings, store, data, billing, clock.now, dispatcher.poke)
            health.started = True
            yield
            health.draining = True

    app = FastAPI(
        title="CPaaS campaigns",
        version="1.0.0",
        lifespan=lifespan,
        description="Bulk campaigns: upload a CSV of recipients, follow its validation and sending, pause, resume"
        " or cancel it, and download its rejected rows. Authenticate with the `X-API-Key` header.",
    )
    app.state.settings = settings
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(build_router("/api/v1/campaigns", api_key_account, include_in_schema=True))
    app.include_router(
        build_router("/internal/v1/accounts/{account_id}/campaigns", service_account, include_in_schema=False)
    )
    return app
