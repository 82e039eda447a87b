"""Composition root of the WhatsApp connector: the kit's skeleton (its lifespan is in
`cpaas.connector_kit.runtime`) with the WhatsApp provider, the template registrations and
the webhook endpoint; the provider's HTTP client closes after the broker stopped."""

import asyncio
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.connector_kit.deadlines import expiring_sweeper
from cpaas.connector_kit.runtime import ConnectorKit, Parts
from cpaas.connector_kit.sending import SendCounts, SendPipeline
from cpaas.wa_connector.handlers import WhatsApp, register_handlers
from cpaas.wa_connector.metrics import MESSAGES
from cpaas.wa_connector.providers import make_provider
from cpaas.wa_connector.retention import RETENTION
from cpaas.wa_connector.sending import WhatsAppSending
from cpaas.wa_connector.settings import WaConnectorSettings
from cpaas.wa_connector.store import WaStore
from cpaas.wa_connector.templates import TemplateDeps
from cpaas.wa_connector.webhooks import WebhookDeps, webhook_router

SCHEMA = "wa"
MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(
    settings: WaConnectorSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`http`: the client the provider calls through (tests pass one with a mock transport)."""
    kit: ConnectorKit[WhatsApp] = ConnectorKit(
        settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        retention=RETENTION,
        secrets_key=settings.secrets_key,
        broker=broker,
        db=db,
    )
    register_handlers(kit)

    async def start(parts: Parts) -> WhatsApp:
        client = http or httpx.AsyncClient(
            timeout=settings.request_timeout_seconds,
            limits=httpx.Limits(max_connections=settings.max_concurrent_sends),
        )
        if http is None:
            parts.stack.push_async_callback(client.aclose)
        provider = make_provider(settings, client)
        store = WaStore(parts.pool)
        sending = SendPipeline(
            store,
            parts.publisher,
            WhatsAppSending(parts.control, provider),
            SendCounts(MESSAGES),
            settings.receipt_deadline_seconds,
            concurrency=asyncio.Semaphore(settings.max_concurrent_sends),
        )
        receipts = expiring_sweeper(
            store, parts.publisher, service=settings.service_name, every_seconds=settings.receipt_sweep_seconds
        )
        parts.sweep_deadlines(receipts)
        parts.app.state.store, parts.app.state.receipt_sweeper = store, receipts
        return WhatsApp(
            sending,
            TemplateDeps(store, parts.control, provider, parts.publisher),
            WebhookDeps(provider, store, parts.publisher),
        )

    app = kit.app("CPaaS WhatsApp connector", start=start)
    app.include_router(webhook_router(lambda: kit.started().webhooks))
    return app
