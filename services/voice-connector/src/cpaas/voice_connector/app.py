"""Composition root of the voice connector.

Start: pool and migrations, the console LISTEN, the provider's HTTP client, then the
Kafka subscriber and the receipt-deadline sweeper; the webhook serves once the lifespan
has started. Stop (the reverse, so nothing in flight is lost): readiness drops, uvicorn
finishes the callbacks in flight, the sweeper stops (a round in flight rolls back), the
subscriber finishes its batch in flight and commits it, then the broker, the HTTP
client, the LISTEN and the pool close.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import ping, pool_lifespan
from cpaas.platform.deadlines import start_deadline_sweeper, stop_deadline_sweeper
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.pg_listen import Listener
from cpaas.platform.retention import start_sweeping, stop_sweeping
from cpaas.platform.serve import broker_lifespan
from cpaas.voice_connector.callbacks import CallbackDeps
from cpaas.voice_connector.calling import CallingDeps
from cpaas.voice_connector.catalog import TemplateCatalog
from cpaas.voice_connector.handlers import register_submit_handler
from cpaas.voice_connector.providers import make_provider
from cpaas.voice_connector.receipt_deadlines import receipt_sweeper
from cpaas.voice_connector.retention import RETENTION
from cpaas.voice_connector.settings import VoiceConnectorSettings
from cpaas.voice_connector.store import VoiceStore
from cpaas.voice_connector.webhooks import webhook_router

SCHEMA = "voice"
MIGRATIONS = Path(__file__).parent / "migrations"
CONSOLE_CHANNEL = "cpaas_console"


def build_app(
    settings: VoiceConnectorSettings, *, broker: KafkaBroker | None = None, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """`http` is the provider's HTTP client (a test may pass one with a fake transport)."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    publisher = EventPublisher(broker, settings.kafka, source=settings.service_name)
    client = http or httpx.AsyncClient(limits=httpx.Limits(max_connections=settings.max_calls_in_flight))
    provider = make_provider(settings, client)
    calling: dict[str, CallingDeps] = {}  # filled once the lifespan has started
    callbacks: dict[str, CallbackDeps] = {}
    subscriber = register_submit_handler(broker, settings, lambda: calling["deps"])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with pool_lifespan(settings.postgres, schema=SCHEMA, application_name=settings.service_name) as pool:
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            sweep = start_sweeping(pool, RETENTION, keep_days=settings.retention_days)
            store = VoiceStore(pool, receipt_deadline_seconds=settings.receipt_deadline_seconds)
            catalog = TemplateCatalog(pool, settings.cache_ttl_seconds)
            listener = Listener(settings.postgres.dsn, CONSOLE_CHANNEL, catalog.on_notify, catalog.clear)
            await listener.start()
            calling["deps"] = CallingDeps(
                store,
                catalog,
                provider,
                publisher,
                settings.caller_id,
                settings.public_base_url,
                asyncio.Semaphore(settings.max_calls_in_flight),
            )
            callbacks["deps"] = CallbackDeps(store, publisher)
            try:
                async with broker_lifespan(broker, health):
                    health.add_check("postgres", lambda: ping(pool))
                    receipts = receipt_sweeper(
                        store,
                        provider,
                        publisher,
                        service=settings.service_name,
                        every_seconds=settings.receipt_sweep_seconds,
                    )
                    deadlines = start_deadline_sweeper(receipts)
                    health.started = True
                    app.state.store, app.state.provider, app.state.receipt_sweeper = store, provider, receipts
                    try:
                        yield
                    finally:
                        health.draining = True
                        await stop_deadline_sweeper(deadlines)
                        await subscriber.stop()
            finally:
                if http is None:
                    await client.aclose()
                await listener.stop()
                await stop_sweeping(sweep)

    app = FastAPI(title="CPaaS voice connector", lifespan=lifespan)
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(webhook_router(provider, settings.public_base_url, lambda: callbacks["deps"]))
    return app
