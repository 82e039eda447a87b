"""Composition root of the RCS connector: the kit's skeleton (its lifespan is in
`cpaas.connector_kit.runtime`) with the RBM provider, template registrations and the
webhook endpoint; the provider's HTTP client closes after the broker stopped."""

import asyncio
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.connector_kit.deadlines import expiring_sweeper
from cpaas.connector_kit.runtime import ConnectorKit, Parts
from cpaas.connector_kit.sending import SendCounts, SendPipeline
from cpaas.rcs_connector.handlers import Rcs, register_handlers
from cpaas.rcs_connector.metrics import MESSAGES
from cpaas.rcs_connector.providers import make_provider
from cpaas.rcs_connector.retention import RETENTION
from cpaas.rcs_connector.sending import RcsSending
from cpaas.rcs_connector.settings import RcsConnectorSettings
from cpaas.rcs_connector.store import RcsStore, provider_message_id
from cpaas.rcs_connector.templates import TemplateDeps
from cpaas.rcs_connector.webhooks import WebhookDeps, webhook_router

SCHEMA = "rcs"
MIGRATIONS = Path(__file__).parent / "migrations"
# a refusal counts under its error code (e.g. channel_not_supported_by_recipient)
COUNTS = SendCounts(
    MESSAGES, refused=lambda result: str(result.error_code or "refused").lower(), not_sent="transient_failure"
)


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
    settings: RcsConnectorSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The connector app. `http` replaces the provider client (tests); it is closed with the app."""
    kit: ConnectorKit[Rcs] = ConnectorKit(
        settings,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        retention=RETENTION,
        secrets_key=settings.secrets_key,
        broker=broker,
        db=db,
    )
    register_handlers(kit)

    async def start(parts: Parts) -> Rcs:
        client = http or provider_http_client(settings)
        parts.stack.push_async_callback(client.aclose)
        provider = make_provider(client, settings)
        store = RcsStore(parts.pool)
        templates = TemplateDeps(store, parts.control, provider, parts.publisher)
        sending = SendPipeline(
            store,
            parts.publisher,
            RcsSending(parts.control, provider),
            COUNTS,
            settings.receipt_deadline_seconds,
            concurrency=asyncio.Semaphore(settings.max_concurrent_sends),
            max_send_tries=settings.max_send_tries,
            provider_message_id=provider_message_id,
        )
        receipts = expiring_sweeper(
            store, parts.publisher, service=settings.service_name, every_seconds=settings.receipt_sweep_seconds
        )
        parts.sweep_deadlines(receipts)
        parts.app.state.provider, parts.app.state.store, parts.app.state.receipt_sweeper = provider, store, receipts
        webhooks = WebhookDeps(
            store,
            provider,
            parts.publisher,
            templates,
            settings.webhook_retry_after_seconds,
            settings.webhook_early_wait_seconds,
        )
        return Rcs(sending, templates, webhooks)

    app = kit.app("CPaaS RCS connector", start=start)
    app.include_router(webhook_router(lambda: kit.started().webhooks))
    return app
