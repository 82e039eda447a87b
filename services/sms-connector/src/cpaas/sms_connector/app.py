"""Composition root of the SMS connector.

Start: pool and migrations, the console LISTEN, SMPP binds, the receipt processor, the
Kafka subscriber, then the receipt-deadline sweeper. Stop (the reverse, so nothing in
flight is lost): readiness drops, the sweeper stops (a round in flight rolls back), the
subscriber finishes its batch in flight and commits it, the binds unbind (receipts still
due, and those read but not yet acknowledged, wait at the SMSC for the next bind), the
receipts already read are applied and published, then the broker and the pool close.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import ping, pool_lifespan
from cpaas.platform.deadlines import start_deadline_sweeper, stop_deadline_sweeper
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.pg_listen import Listener
from cpaas.platform.retention import start_sweeping, stop_sweeping
from cpaas.platform.serve import broker_lifespan
from cpaas.sms_connector.catalog import ConsoleCatalog
from cpaas.sms_connector.delivery_reports import DeliveryReportProcessor
from cpaas.sms_connector.handlers import register_submit_handler
from cpaas.sms_connector.receipt_deadlines import receipt_sweeper
from cpaas.sms_connector.retention import RETENTION
from cpaas.sms_connector.sending import SendingDeps
from cpaas.sms_connector.settings import SmsConnectorSettings
from cpaas.sms_connector.smpp import SmppCarrier
from cpaas.sms_connector.smpp.rate import SenderRateLimits
from cpaas.sms_connector.store import SmsStore

SCHEMA = "sms"
MIGRATIONS = Path(__file__).parent / "migrations"
CONSOLE_CHANNEL = "cpaas_console"


def build_app(settings: SmsConnectorSettings, *, broker: KafkaBroker | None = None) -> FastAPI:
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    publisher = EventPublisher(broker, settings.kafka, source=settings.service_name)
    carrier = SmppCarrier(settings)
    holder: dict[str, SendingDeps] = {}
    subscriber = register_submit_handler(broker, settings, lambda: holder["deps"])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with pool_lifespan(settings.postgres, schema=SCHEMA, application_name=settings.service_name) as pool:
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            sweep = start_sweeping(pool, RETENTION, keep_days=settings.retention_days)
            store = SmsStore(pool)
            catalog = ConsoleCatalog(pool, settings.cache_ttl_seconds)
            listener = Listener(settings.postgres.dsn, CONSOLE_CHANNEL, catalog.on_notify, catalog.clear)
            await listener.start()
            holder["deps"] = SendingDeps(
                store,
                catalog,
                carrier,
                publisher,
                settings.max_segments,
                settings.receipt_deadline_seconds,
                SenderRateLimits(settings.sender_rate_per_second),
            )
            receipts = DeliveryReportProcessor(
                carrier.receipts,
                store,
                publisher,
                batch_seconds=settings.receipt_batch_seconds,
                batch_max=settings.receipt_batch_max,
                hold_seconds=settings.receipt_hold_seconds,
                park_seconds=settings.receipt_park_seconds,
            )
            deadlines = receipt_sweeper(
                store, carrier, publisher, service=settings.service_name, every_seconds=settings.receipt_sweep_seconds
            )
            try:
                carrier.start()
                receipts.start()
                async with broker_lifespan(broker, health):
                    health.add_check("postgres", lambda: ping(pool))
                    health.add_check("smpp", carrier.is_bound)
                    sweeping = start_deadline_sweeper(deadlines)
                    health.started = True
                    app.state.carrier, app.state.store, app.state.receipt_sweeper = carrier, store, deadlines
                    try:
                        yield
                    finally:  # stop taking work, finish receipts, then the broker (producer) stops
                        health.draining = True
                        await stop_deadline_sweeper(sweeping)
                        await subscriber.stop()
                        await carrier.stop()
                        await receipts.stop()
            finally:
                await listener.stop()
                await stop_sweeping(sweep)

    app = FastAPI(title="CPaaS SMS connector", lifespan=lifespan)
    mount_ops(app, health)
    return app
