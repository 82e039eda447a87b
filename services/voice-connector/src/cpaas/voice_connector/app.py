"""Composition root of the voice connector: the kit's skeleton (its lifespan is in
`cpaas.connector_kit.runtime`) with the voice provider, the status-callback webhook and
the deadline sweep that asks the provider about calls whose end never came; the
provider's HTTP client closes after the broker stopped."""

import asyncio
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.connector_kit.runtime import ConnectorKit, Parts
from cpaas.connector_kit.sending import SendCounts, SendPipeline
from cpaas.voice_connector.callbacks import CallbackDeps
from cpaas.voice_connector.calling import VoiceSending
from cpaas.voice_connector.handlers import Voice, register_handlers
from cpaas.voice_connector.metrics import CALLS
from cpaas.voice_connector.providers import make_provider
from cpaas.voice_connector.receipt_deadlines import receipt_sweeper
from cpaas.voice_connector.retention import RETENTION
from cpaas.voice_connector.settings import VoiceConnectorSettings
from cpaas.voice_connector.store import VoiceStore
from cpaas.voice_connector.webhooks import webhook_router

SCHEMA = "voice"
MIGRATIONS = Path(__file__).parent / "migrations"
COUNTS = SendCounts(CALLS, accepted="created", already_sent="already_created", not_sent="retried")


def build_app(
    settings: VoiceConnectorSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`http` is the provider's HTTP client (a test may pass one with a fake transport)."""
    kit: ConnectorKit[Voice] = ConnectorKit(
        settings, schema=SCHEMA, migrations=MIGRATIONS, retention=RETENTION, broker=broker, db=db
    )
    register_handlers(kit)

    async def start(parts: Parts) -> Voice:
        client = http or httpx.AsyncClient(limits=httpx.Limits(max_connections=settings.max_calls_in_flight))
        if http is None:
            parts.stack.push_async_callback(client.aclose)
        provider = make_provider(settings, client)
        store = VoiceStore(parts.pool, receipt_deadline_seconds=settings.receipt_deadline_seconds)
        calling = SendPipeline(
            store,
            parts.publisher,
            VoiceSending(parts.control, provider, settings.caller_id, settings.public_base_url),
            COUNTS,
            settings.receipt_deadline_seconds,
            concurrency=asyncio.Semaphore(settings.max_calls_in_flight),
            sender_id=lambda _event: settings.caller_id,
        )
        receipts = receipt_sweeper(
            store,
            provider,
            parts.publisher,
            service=settings.service_name,
            every_seconds=settings.receipt_sweep_seconds,
        )
        parts.sweep_deadlines(receipts)
        parts.app.state.store, parts.app.state.provider, parts.app.state.receipt_sweeper = store, provider, receipts
        return Voice(calling, CallbackDeps(store, parts.publisher), provider)

    app = kit.app("CPaaS voice connector", start=start)
    app.include_router(
        webhook_router(settings.public_base_url, lambda: kit.started().provider, lambda: kit.started().callbacks)
    )
    return app
