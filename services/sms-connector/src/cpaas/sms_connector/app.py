"""Composition root of the SMS connector: the kit's skeleton (its lifespan is in
`cpaas.connector_kit.runtime`) with the SMS provider (SMPP binds), the delivery-receipt
processor and the deadline sweep that asks the provider about messages whose receipts
never came.

Stop, so that nothing in flight is lost: once the subscriber finished its batch in
flight, the provider disconnects (SMPP: the binds unbind; receipts still due, and those
read but not yet acknowledged, wait at the SMSC for the next bind), then the receipts
already read are applied and published, then the broker stops.
"""

from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.connector_kit.runtime import ConnectorKit, Parts
from cpaas.connector_kit.sending import SendCounts, SendPipeline
from cpaas.sms_connector.delivery_reports import DeliveryReportProcessor
from cpaas.sms_connector.handlers import Sms, register_handlers
from cpaas.sms_connector.metrics import MESSAGES
from cpaas.sms_connector.providers import make_provider
from cpaas.sms_connector.receipt_deadlines import receipt_sweeper
from cpaas.sms_connector.retention import RETENTION
from cpaas.sms_connector.sending import SmsSending
from cpaas.sms_connector.settings import SmsConnectorSettings
from cpaas.sms_connector.store import SmsStore

SCHEMA = "sms"
MIGRATIONS = Path(__file__).parent / "migrations"
COUNTS = SendCounts(MESSAGES, accepted="submitted", not_sent=None)


def build_app(
    settings: SmsConnectorSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`http`: the client an HTTP provider calls through (SMPP opens its own sockets)."""
    kit: ConnectorKit[Sms] = ConnectorKit(
        settings, schema=SCHEMA, migrations=MIGRATIONS, retention=RETENTION, broker=broker, db=db
    )
    register_handlers(kit)

    async def start(parts: Parts) -> Sms:
        provider = make_provider(settings, http)
        store = SmsStore(parts.pool)
        sending = SendPipeline(
            store,
            parts.publisher,
            SmsSending(parts.control, provider, settings.max_segments),
            COUNTS,
            settings.receipt_deadline_seconds,
        )
        receipts = DeliveryReportProcessor(
            provider.receipts,
            store,
            parts.publisher,
            provider.receipt_meaning,
            batch_seconds=settings.receipt_batch_seconds,
            batch_max=settings.receipt_batch_max,
            hold_seconds=settings.receipt_hold_seconds,
            park_seconds=settings.receipt_park_seconds,
        )
        # a start that fails later still stops both (stopping twice does nothing more)
        parts.stack.push_async_callback(receipts.stop)
        parts.stack.push_async_callback(provider.stop)
        provider.start()
        receipts.start()
        parts.on_drain(provider.stop)
        parts.on_drain(receipts.stop)
        parts.check(provider.name, provider.is_ready)
        deadlines = receipt_sweeper(
            store,
            provider,
            parts.publisher,
            service=settings.service_name,
            every_seconds=settings.receipt_sweep_seconds,
        )
        parts.sweep_deadlines(deadlines)
        parts.app.state.carrier, parts.app.state.store, parts.app.state.receipt_sweeper = provider, store, deadlines
        return Sms(sending)

    return kit.app("CPaaS SMS connector", start=start)
