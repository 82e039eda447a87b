"""Composition root of the WhatsApp connector.

Start: pool and migrations, the console LISTEN, the provider's HTTP client, then the
Kafka subscribers and the receipt-deadline sweeper; the webhook endpoint is served by
the same app. Stop: readiness drops, uvicorn finishes the webhooks in flight, the
sweeper stops (a round in flight rolls back), the subscribers finish the batch in
flight and commit it, the producer flushes, then the HTTP client, LISTEN and pool close.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

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
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.serve import broker_lifespan
from cpaas.wa_connector.catalog import ConsoleCatalog
from cpaas.wa_connector.handlers import register_submit_handler, register_template_handler
from cpaas.wa_connector.providers import make_provider
from cpaas.wa_connector.receipt_deadlines import receipt_sweeper
from cpaas.wa_connector.retention import RETENTION
from cpaas.wa_connector.sending import SendingDeps
from cpaas.wa_connector.settings import WaConnectorSettings
from cpaas.wa_connector.store import WaStore
from cpaas.wa_connector.templates import TemplateDeps
from cpaas.wa_connector.webhooks import WebhookDeps, webhook_router

SCHEMA = "wa"
MIGRATIONS = Path(__file__).parent / "migrations"
CONSOLE_CHANNEL = "cpaas_console"


def build_app(
    settings: WaConnectorSettings, *, broker: KafkaBroker | None = None, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """`http`: the client the provider calls through (tests pass one with a mock transport)."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    publisher = EventPublisher(broker, settings.kafka, source=settings.service_name)
    deps: dict[str, Any] = {}  # built in the lifespan; handlers look them up per call
    register_submit_handler(broker, settings, lambda: deps["sending"])
    register_template_handler(broker, settings, lambda: deps["templates"])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with pool_lifespan(settings.postgres, schema=SCHEMA, application_name=settings.service_name) as pool:
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            sweep = start_sweeping(pool, RETENTION, keep_days=settings.retention_days)
            store = WaStore(pool)
            catalog = ConsoleCatalog(pool, settings.cache_ttl_seconds, box=SecretBox(settings.secrets_key))
            listener = Listener(settings.postgres.dsn, CONSOLE_CHANNEL, catalog.on_notify, catalog.clear)
            await listener.start()
            client = http or httpx.AsyncClient(
                timeout=settings.request_timeout_seconds,
                limits=httpx.Limits(max_connections=settings.max_concurrent_sends),
            )
            provider = make_provider(settings, client)
            deps["sending"] = SendingDeps(
                store,
                catalog,
                provider,
                publisher,
                asyncio.Semaphore(settings.max_concurrent_sends),
                settings.receipt_deadline_seconds,
            )
            deps["templates"] = TemplateDeps(store, catalog, provider, publisher)
            deps["webhooks"] = WebhookDeps(provider, store, publisher)
            try:
                async with broker_lifespan(broker, health):
                    health.add_check("postgres", lambda: ping(pool))
                    receipts = receipt_sweeper(
                        store, publisher, service=settings.service_name, every_seconds=settings.receipt_sweep_seconds
                    )
                    deadlines = start_deadline_sweeper(receipts)
                    health.started = True
                    app.state.store, app.state.receipt_sweeper = store, receipts
                    try:
                        yield
                    finally:
                        await stop_deadline_sweeper(deadlines)  # before the producer goes
            finally:
                if http is None:
                    await client.aclose()
                await listener.stop()
                await stop_sweeping(sweep)

    app = FastAPI(title="CPaaS WhatsApp connector", lifespan=lifespan)
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(webhook_router(lambda: deps["webhooks"]))
    return app
