"""The billing service in-process against the real Kafka and PostgreSQL, with the
console's demo data (accounts, templates, a WABA number) seeded in the same database."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from cpaas.billing.app import build_app
from cpaas.billing.settings import BillingSettings
from cpaas.console.seed import seed
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, envelope
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import CLOUDEVENTS_CONTENT_TYPE, EventPublisher, make_broker
from cpaas.platform.settings import KafkaSettings, PostgresSettings

WAIT_SECONDS = 30
RECIPIENT = "+919876543210"
SERVICE_TOKEN = "local-dev-service-token"


@dataclass
class Harness:
    """What a billing test needs: publish status events, run the service, read its tables and topics."""

    settings: BillingSettings
    publisher: EventPublisher
    db: asyncpg.Connection
    creds: dict

    @property
    def account_id(self) -> int:
        return self.creds["accountId"]

    @property
    def kafka(self) -> KafkaSettings:
        return self.settings.kafka

    def service(self) -> Any:
        """An async context manager running the service; it yields an HTTP client of its API."""
        return _running(build_app(self.settings))

    def status(
        self,
        message_id: str,
        status: MessageStatus,
        *,
        channel: Channel = Channel.SMS,
        attempt: int = 1,
        account_id: int | None = None,
        recipient: str = RECIPIENT,
        **fields: Any,
    ) -> MessageStatusChangedV1:
        if status is not MessageStatus.FAILED:
            fields.setdefault("carrier_message_id", f"carrier-{message_id[-8:]}-{attempt}")
        return MessageStatusChangedV1(
            message_id=message_id,
            account_id=self.account_id if account_id is None else account_id,
            channel=channel,
            attempt=attempt,
            status=status,
            recipient=recipient,
            occurred_at=datetime.now(UTC),
            **fields,
        )

    async def publish(self, *events: MessageStatusChangedV1) -> None:
        await self.publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in events)

    async def publish_raw(self, value: bytes, key: str) -> None:
        """One record on msg.status exactly as given (a redelivery has the same bytes)."""
        await self.publisher.broker.publish(
            value,
            self.kafka.topic(MSG_STATUS.name),
            key=key.encode(),
            headers={"content-type": CLOUDEVENTS_CONTENT_TYPE},
        )

    @staticmethod
    def encoded(event: MessageStatusChangedV1) -> bytes:
        return envelope(event, source="test", subject=event.message_id).model_dump_json().encode()

    async def charges(self, message_id: str) -> list[asyncpg.Record]:
        return await self.db.fetch(
            "SELECT * FROM billing.ledger WHERE kind = 'CHARGE' AND message_id = $1 ORDER BY attempt", message_id
        )

    async def balance(self, account_id: int | None = None) -> int | None:
        return await self.db.fetchval(
            "SELECT balance_minor FROM billing.balances WHERE account_id = $1", account_id or self.account_id
        )

    async def wait_for_charges(self, message_id: str, count: int) -> list[asyncpg.Record]:
        async def check() -> list[asyncpg.Record] | None:
            rows = await self.charges(message_id)
            return rows if len(rows) >= count else None

        return await wait_until(check, f"{count} charges of {message_id}")

    async def wait_for_refund(self, message_id: str) -> None:
        async def check() -> bool:
            return bool(
                await self.db.fetchval(
                    "SELECT count(*) FROM billing.ledger WHERE kind = 'REFUND' AND message_id = $1", message_id
                )
            )

        await wait_until(check, f"the refund of {message_id}")

    async def wait_consumed(self) -> None:
        """Until the billing group has committed every record now on msg.status."""
        ends = await end_offsets(self.kafka, self.kafka.topic(MSG_STATUS.name))
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka.bootstrap_servers)
        await admin.start()
        try:

            async def check() -> bool:
                committed = await admin.list_consumer_group_offsets(self.settings.consumer_group)
                return all(committed.get(tp) is not None and committed[tp].offset >= end for tp, end in ends.items())

            await wait_until(check, "the billing group to commit msg.status")
        finally:
            await admin.close()

    async def record_count(self, topic_name: str) -> int:
        """How many records a topic (our prefix added) holds: the sum of its end offsets."""
        return sum((await end_offsets(self.kafka, self.kafka.topic(topic_name))).values())

    async def read(self, topic_name: str, count: int) -> list:
        """The first `count` records of a topic (our prefix added), from the earliest."""
        return await read_topic(self.kafka, self.kafka.topic(topic_name), count)

    async def add_template(self, name: str, channel: str, category: str | None, template_type: str = "TEXT") -> int:
        """A console template written with SQL, as the console would (WhatsApp ones on the demo WABA number)."""
        waba = await self.db.fetchval("SELECT id FROM console.waba_numbers WHERE account_id = $1", self.account_id)
        return await self.db.fetchval(
            "INSERT INTO console.templates (account_id, name, channel, status, category, template_type, body,"
            " waba_number_id) VALUES ($1, $2, $3, 'APPROVED', $4, $5, 'Your code is {{1}}', $6) RETURNING id",
            self.account_id,
            name,
            channel,
            category,
            template_type,
            waba if channel == "WHATSAPP" else None,
        )


@asynccontextmanager
async def _running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
            yield client


async def end_offsets(kafka: KafkaSettings, topic: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    await consumer.start()
    try:
        [described] = await admin.describe_topics([topic])
        partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        assert partitions, f"{topic} has no partitions"
        return await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
        await admin.close()


async def read_topic(kafka: KafkaSettings, topic: str, count: int) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka.bootstrap_servers, auto_offset_reset="earliest")
    await consumer.start()
    records: list = []
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while len(records) < count:
                for partition_records in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def wait_until(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Poll `check` until it returns something truthy; fails after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def harness(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, tmp_path: Path
) -> AsyncIterator[Harness]:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    settings = BillingSettings(kafka=kafka_settings, postgres=pg_settings, shutdown_grace_seconds=5)
    broker = make_broker(kafka_settings, client_id="test-publisher")
    await broker.start()
    db = await asyncpg.connect(pg_settings.dsn)
    try:
        yield Harness(settings, EventPublisher(broker, kafka_settings, source="test"), db, creds)
    finally:
        await db.close()
        await broker.stop()
