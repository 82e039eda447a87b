"""Composition root of the RCS connector.

Start: pool and migrations, the console LISTEN, the HTTP client to the provider, then
the broker (subscribers and producer), then the receipt-deadline sweeper. Stop (the
reverse, so nothing in flight is lost): readiness drops, uvicorn finishes the webhook
requests in flight, the sweeper stops (a round in flight rolls back), the broker waits
for the handlers in flight and commits them, then the HTTP client and the pool close.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.deadlines import start_deadline_sweeper, stop_deadline_sweeper
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.pg_listen import Listener
from cpaas.platform.retention import start_sweeping, stop_sweeping
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.serve import broker_lifespan
from cpaas.rcs_connector.catalog import ConsoleCatalog
from cpaas.rcs_connector.handlers import register_submit_handler, register_template_handler
from cpaas.rcs_connector.providers import make_provider
from cpaas.rcs_connector.receipt_deadlines import receipt_sweeper
from cpaas.rcs_connector.retention import RETENTION
from cpaas.rcs_connector.sending import SendingDeps
from cpaas.rcs_connector.settings import RcsConnectorSettings
from cpaas.rcs_connector.store import RcsStore
from cpaas.rcs_connector.templates import TemplateDeps
from cpaas.rcs_connector.webhooks import WebhookDeps, webhook_router

SCHEMA = "rcs"
MIGRATIONS = Path(__file__).parent / "migrations"
CONSOLE_CHANNEL = "cpaas_console"


class _Started:
    """What the lifespan builds; the handlers reach it per call, once the app started."""

    sending: SendingDeps
    templates: TemplateDeps
    webhooks: WebhookDeps


def provider_http_client(settings: RcsConnectorSettings) -> httpx.AsyncClient:
    """The client every provider call goes through: base URL, timeouts, pool limits."""
    return httpx.AsyncClient(
        base_url=settings.base_url,
        timeout=httpx.Timeout(settings.http_timeout_seconds),
        limits=httpx.Limits(
            max_connections=settings.http_max_connections, max_keepalive_connections=settings.http_max_connections
        ),
    )


def build_app(
    settings: RcsConnectorSettings, *, broker: KafkaBroker | None = None, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """The connector app. `http` replaces the provider client (tests); it is closed with the app."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    publisher = EventPublisher(broker, settings.kafka, source=settings.service_name)
    started = _Started()
    register_submit_handler(broker, settings, lambda: started.sending)
    register_template_handler(broker, settings, lambda: started.templates)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await create_pool(settings.postgres, schema=SCHEMA, application_name=settings.service_name)
            stack.push_async_callback(pool.close)
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            sweep = start_sweeping(pool, RETENTION, keep_days=settings.retention_days)
            stack.push_async_callback(stop_sweeping, sweep)
            store = RcsStore(pool)
            catalog = ConsoleCatalog(pool, settings.cache_ttl_seconds, box=SecretBox(settings.secrets_key))
            listener = Listener(settings.postgres.dsn, CONSOLE_CHANNEL, catalog.on_notify, catalog.clear)
            await listener.start()
            stack.push_async_callback(listener.stop)
            client = http or provider_http_client(settings)
            stack.push_async_callback(client.aclose)
            provider = make_provider(client, settings)
            started.templates = TemplateDeps(store, catalog, provider, publisher)
            started.sending = SendingDeps(
                store,
                catalog,
                provider,
                publisher,
                settings.max_concurrent_sends,
                settings.max_send_tries,
                settings.receipt_deadline_seconds,
            )
            started.webhooks = WebhookDeps(
                store, provider, publisher, started.templates, settings.webhook_retry_after_seconds
            )
            health.add_check("postgres", lambda: ping(pool))
            await stack.enter_async_context(broker_lifespan(broker, health))
            receipts = receipt_sweeper(
                store, publisher, service=settings.service_name, every_seconds=settings.receipt_sweep_seconds
            )
            stack.push_async_callback(stop_deadline_sweeper, start_deadline_sweeper(receipts))  # before the broker
            app.state.provider, app.state.store, app.state.receipt_sweeper = provider, store, receipts
            health.started = True
            yield
            health.draining = True

    app = FastAPI(title="CPaaS RCS connector", lifespan=lifespan)
    mount_ops(app, health)
    app.include_router(webhook_router(lambda: started.webhooks))
    return app
