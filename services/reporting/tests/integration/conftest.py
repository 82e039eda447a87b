"""The reporting service in-process against the real Kafka and PostgreSQL, a publisher of
submit and status events, and a connection to read the message log with."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from cpaas.contracts import (
    Channel,
    EventData,
    FallbackLevel,
    MessageStatus,
    MessageStatusChangedV1,
    MessageSubmittedV1,
)
from cpaas.contracts.events import MessageChargedV1
from cpaas.contracts.topics import BILLING_CHARGED, MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.reporting.app import MIGRATIONS, SCHEMA, build_app
from cpaas.reporting.settings import ReportingSettings

WAIT_SECONDS = 30
RECIPIENT = "+919876543210"
ACCOUNT_ID = 7


@pytest.fixture
def settings(kafka_settings: KafkaSettings, pg_settings: PostgresSettings) -> ReportingSettings:
    return ReportingSettings(kafka=kafka_settings, postgres=pg_settings, shutdown_grace_seconds=5)


@pytest.fixture
async def pool(pg_settings: PostgresSettings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the reporting schema of this test's database, its migrations applied."""
    pool = await create_pool(pg_settings, schema=SCHEMA, application_name="test")
    await apply_migrations(pool, SCHEMA, MIGRATIONS)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def publisher(kafka_settings: KafkaSettings) -> AsyncIterator[EventPublisher]:
    broker = make_broker(kafka_settings, client_id="test-publisher")
    await broker.start()
    try:
        yield EventPublisher(broker, kafka_settings, source="test")
    finally:
        await broker.stop()


@pytest.fixture
async def db(pg_settings: PostgresSettings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_settings.dsn, server_settings={"search_path": "reporting,public"})
    try:
        yield conn
    finally:
        await conn.close()


@dataclass
class Harness:
    """What a message-log test needs: publish events, run the service, read its tables."""

    settings: ReportingSettings
    publisher: EventPublisher
    db: asyncpg.Connection

    def service(self) -> Any:
        """An async context manager running the service (a test may publish before it starts)."""
        app = build_app(self.settings)
        return app.router.lifespan_context(app)

    async def publish(self, *events: EventData) -> None:
        """Publish submits to msg.submit.<channel> and statuses to msg.status, in this order."""
        await self.publisher.publish_many((topic_of(e), e, e.message_id) for e in events)

    async def message(self, message_id: str) -> asyncpg.Record | None:
        return await self.db.fetchrow("SELECT * FROM messages WHERE message_id = $1", message_id)

    async def attempts(self, message_id: str) -> list[asyncpg.Record]:
        return await self.db.fetch("SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY attempt", message_id)

    async def history(self, message_id: str) -> list[asyncpg.Record]:
        return await self.db.fetch("SELECT * FROM message_events WHERE message_id = $1 ORDER BY seq", message_id)

    async def wait_until(self, check: Callable[[], Awaitable[Any]], what: str) -> Any:
        return await wait_until(check, what)

    async def wait_for_message(self, message_id: str, **expected: Any) -> asyncpg.Record:
        """The message row once every `column=value` given holds; fails after WAIT_SECONDS."""

        async def check() -> asyncpg.Record | None:
            row = await self.message(message_id)
            return row if row is not None and all(row[k] == v for k, v in expected.items()) else None

        try:
            return await wait_until(check, f"{message_id} with {expected}")
        except AssertionError:
            row = await self.message(message_id)
            raise AssertionError(f"{message_id}: wanted {expected}, row is {row}") from None


@pytest.fixture
async def harness(settings: ReportingSettings, publisher: EventPublisher, db: asyncpg.Connection) -> Harness:
    return Harness(settings, publisher, db)


def topic_of(event: EventData) -> str:
    if isinstance(event, MessageSubmittedV1):
        return SUBMIT_TOPICS[event.channel].name
    if isinstance(event, MessageChargedV1):
        return BILLING_CHARGED.name
    return MSG_STATUS.name


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
def submitted() -> Callable[..., MessageSubmittedV1]:
    """Builds a submit event: submitted(message_id, channel=..., attempt=..., fallback=[...])."""

    def build(
        message_id: str,
        *,
        channel: Channel = Channel.SMS,
        attempt: int = 1,
        fallback: list[FallbackLevel] | None = None,
        template_id: int = 42,
        campaign_id: int | None = None,
        submitted_at: datetime | None = None,
        variables: dict[str, str] | None = None,
    ) -> MessageSubmittedV1:
        return MessageSubmittedV1(
            message_id=message_id,
            account_id=ACCOUNT_ID,
            channel=channel,
            recipient=RECIPIENT,
            template_id=template_id,
            template_name=f"template_{template_id}",
            sender_id="MYBRAND" if channel is Channel.SMS else None,
            attempt=attempt,
            fallback=fallback or [],
            campaign_id=campaign_id,
            submitted_at=submitted_at or datetime.now(UTC),
            variables=variables or {},
        )

    return build


@pytest.fixture
def status() -> Callable[..., MessageStatusChangedV1]:
    """Builds a status event: status(message_id, MessageStatus.X, channel=..., attempt=..., **fields)."""

    def build(
        message_id: str,
        status: MessageStatus,
        *,
        channel: Channel = Channel.SMS,
        attempt: int = 1,
        occurred_at: datetime | None = None,
        **fields: Any,
    ) -> MessageStatusChangedV1:
        return MessageStatusChangedV1(
            message_id=message_id,
            account_id=ACCOUNT_ID,
            channel=channel,
            attempt=attempt,
            status=status,
            recipient=RECIPIENT,
            occurred_at=occurred_at or datetime.now(UTC),
            **fields,
        )

    return build
