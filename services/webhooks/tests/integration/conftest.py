"""The webhooks service in-process against the real Kafka and PostgreSQL, the console's
demo data, a publisher of status events, and a receiver: a Starlette app served by
uvicorn on a free loopback port that records every request."""

import asyncio
import contextlib
import inspect
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cpaas.console.seed import seed
from cpaas.contracts import Channel, CloudEvent, MessageStatus, MessageStatusChangedV1, envelope, new_message_id
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import make_broker
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.webhooks.app import build_app
from cpaas.webhooks.settings import WebhooksSettings

WAIT_SECONDS = 30
RECIPIENT = "+919876543210"
SERVICE_TOKEN = "local-dev-service-token"


@dataclass
class Received:
    path: str
    headers: Headers
    body: bytes
    at: float
    completed: bool = False


@dataclass
class Receiver:
    """Answers each path from its plan (status codes in order, then 200), after `delays[path]`."""

    base_url: str = ""
    requests: list[Received] = field(default_factory=list)
    plans: dict[str, list[int]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def handle(self, request: Request) -> Response:
        received = Received(request.url.path, request.headers, await request.body(), time.monotonic())
        self.requests.append(received)
        if request.url.path in self.delays:
            await asyncio.sleep(self.delays[request.url.path])
        plan = self.plans.get(request.url.path)
        received.completed = True
        return Response("ok", status_code=plan.pop(0) if plan else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recorder = Receiver()
    app = Starlette(routes=[Route("/{path:path}", recorder.handle, methods=["POST"])])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    recorder.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield recorder
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@pytest.fixture
async def publisher(kafka_settings: KafkaSettings) -> AsyncIterator[KafkaBroker]:
    broker = make_broker(kafka_settings, client_id="test-publisher")
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


async def wait_until(check: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS) -> Any:
    """Poll `check` (plain or async) until it returns something truthy; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class Harness:
    settings: WebhooksSettings
    creds: dict
    db: asyncpg.Connection
    publisher: KafkaBroker
    receiver: Receiver

    wait_until = staticmethod(wait_until)

    @property
    def account_id(self) -> int:
        return self.creds["accountId"]

    @property
    def secret(self) -> str:
        return self.creds["webhookSecret"]

    def service(self, **overrides: Any) -> Any:
        """An async context manager running the service; yields its app."""

        @contextlib.asynccontextmanager
        async def running() -> AsyncIterator[Any]:
            app = build_app(self.settings.model_copy(update=overrides))
            async with app.router.lifespan_context(app):
                yield app

        return running()

    async def set_webhook(self, url: str | None, account_id: int | None = None) -> None:
        await self.db.execute(
            "UPDATE console.accounts SET webhook_url = $1 WHERE id = $2", url, account_id or self.account_id
        )

    async def create_account(self, name: str, url: str | None, secret: str | None = None) -> int:
        return await self.db.fetchval(
            "INSERT INTO console.accounts (name, webhook_url, webhook_secret) VALUES ($1, $2, $3) RETURNING id",
            name,
            url,
            secret,
        )

    def status(
        self,
        status: MessageStatus = MessageStatus.DELIVERED,
        *,
        message_id: str | None = None,
        account_id: int | None = None,
        channel: Channel = Channel.SMS,
        attempt: int = 1,
        occurred_at: datetime | None = None,
        **fields: Any,
    ) -> CloudEvent[MessageStatusChangedV1]:
        data = MessageStatusChangedV1(
            message_id=message_id or new_message_id(),
            account_id=account_id or self.account_id,
            channel=channel,
            attempt=attempt,
            status=status,
            recipient=RECIPIENT,
            occurred_at=occurred_at or datetime.now(UTC),
            **fields,
        )
        return envelope(data, source="test", subject=data.message_id)

    async def publish(self, *events: CloudEvent) -> None:
        """Publish CloudEvents as they are (their ids included) to msg.status, in order."""
        topic = self.settings.kafka.topic(MSG_STATUS.name)
        for event in events:
            await self.publisher.publish(
                event.model_dump_json().encode(),
                topic,
                key=event.subject.encode(),
                headers={"content-type": "application/cloudevents+json"},
            )

    async def deliveries(self, **where: Any) -> list[asyncpg.Record]:
        conditions = " AND ".join(f"{column} = ${n}" for n, column in enumerate(where, start=1)) or "true"
        return await self.db.fetch(f"SELECT * FROM webhooks.deliveries WHERE {conditions} ORDER BY id", *where.values())

    async def attempts(self, delivery_id: int) -> list[asyncpg.Record]:
        return await self.db.fetch(
            "SELECT * FROM webhooks.attempts WHERE delivery_id = $1 ORDER BY attempt", delivery_id
        )

    async def wait_for_delivery(self, status: str, **where: Any) -> asyncpg.Record:
        async def check() -> asyncpg.Record | None:
            rows = await self.deliveries(**where)
            return rows[0] if rows and rows[0]["status"] == status else None

        return await wait_until(check, f"a {status} delivery where {where}")

    async def wait_consumed(self) -> None:
        """Until the service's consumer group has committed every record of msg.status."""
        kafka = self.settings.kafka
        topic = kafka.topic(MSG_STATUS.name)
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
        await consumer.start()
        await admin.start()
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            ends = await consumer.end_offsets(partitions)

            async def caught_up() -> bool:
                committed = await admin.list_consumer_group_offsets(self.settings.consumer_group)
                return all(committed.get(tp) is not None and committed[tp].offset >= end for tp, end in ends.items())

            await wait_until(caught_up, "the webhooks consumer to commit every status event")
        finally:
            await admin.close()
            await consumer.stop()

    def api(self, app: Any, token: str | None = SERVICE_TOKEN) -> httpx.AsyncClient:
        headers = {"X-Service-Token": token} if token else {}
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://webhooks", headers=headers)


@pytest.fixture
def settings(kafka_settings: KafkaSettings, pg_settings: PostgresSettings) -> WebhooksSettings:
    return WebhooksSettings(
        kafka=kafka_settings,
        postgres=pg_settings,
        shutdown_grace_seconds=5,
        batch_timeout_ms=5,
        retry_base_seconds=0.05,
        retry_min_seconds=0.01,
        dns_cache_seconds=0,
    )


@pytest.fixture
async def harness(
    settings: WebhooksSettings,
    pg_settings: PostgresSettings,
    publisher: KafkaBroker,
    receiver: Receiver,
    tmp_path: Path,
) -> AsyncIterator[Harness]:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    db = await asyncpg.connect(pg_settings.dsn)
    try:
        yield Harness(settings, creds, db, publisher, receiver)
    finally:
        await db.close()
