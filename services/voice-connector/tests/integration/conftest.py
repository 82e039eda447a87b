"""The voice connector's world in-process: the seeded console schema, the sandbox's voice
API and the connector each served by uvicorn on a free port (callbacks are real HTTP),
and a reader of msg.status."""

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from cpaas.console.seed import seed
from cpaas.contracts import (
    SUBMIT_TOPICS,
    Channel,
    CloudEvent,
    MessageStatus,
    MessageStatusChangedV1,
    MessageSubmittedV1,
    new_message_id,
)
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.sandbox.voice import VoiceSandboxSettings, build_voice_app, serve
from cpaas.voice_connector.app import build_app
from cpaas.voice_connector.settings import VoiceConnectorSettings

WAIT_SECONDS = 12
CALL_PROGRESS_DELAY_SECONDS = 0.05
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Console:
    account_id: int
    templates: dict[str, int]

    def submit_event(self, recipient: str, *, template: str = "VOICE", code: str = "482913") -> MessageSubmittedV1:
        """A voice submit event as the gateway publishes it."""
        return MessageSubmittedV1(
            message_id=new_message_id(),
            account_id=self.account_id,
            channel=Channel.VOICE,
            recipient=recipient,
            template_id=self.templates[template],
            variables={"1": code},
            campaign_id=11,
            submitted_at=datetime.now(UTC),
        )


@pytest.fixture
async def console(pg_settings: PostgresSettings, tmp_path: Path) -> Console:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    return Console(creds["accountId"], creds["templates"])


@dataclass
class VoiceSandbox:
    """The sandbox's voice API, served on a real port."""

    url: str
    settings: VoiceSandboxSettings

    async def calls(self, to: str) -> list[dict]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.get("/sandbox/voice/calls", params={"to": to})
        response.raise_for_status()
        return response.json()["calls"]


@asynccontextmanager
async def running_voice_sandbox(port: int = 0) -> AsyncIterator[VoiceSandbox]:
    settings = VoiceSandboxSettings(http_port=port, call_progress_delay_seconds=CALL_PROGRESS_DELAY_SECONDS)
    async with serve(build_voice_app(settings), HOST, port) as url:
        yield VoiceSandbox(url, settings)


@pytest.fixture
async def voice_sandbox() -> AsyncIterator[VoiceSandbox]:
    async with running_voice_sandbox() as sandbox:
        yield sandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture
def sandbox_on_port() -> Callable[[int], AbstractAsyncContextManager[VoiceSandbox]]:
    """`async with sandbox_on_port(port) as sandbox:` another voice sandbox, on `port`."""
    return running_voice_sandbox


@pytest.fixture
def unused_port() -> int:
    return free_port()


@dataclass
class Connector:
    url: str
    settings: VoiceConnectorSettings
    app: FastAPI


StartConnector = Callable[..., AbstractAsyncContextManager[Connector]]


@pytest.fixture
def start_connector(kafka_settings: KafkaSettings, pg_settings: PostgresSettings, console: Console) -> StartConnector:
    """`async with start_connector(api_base_url, **settings) as connector:` the voice
    connector served on a free port, calling the voice API at `api_base_url`, called back
    on its own port (unless `public_base_url` says otherwise)."""

    @asynccontextmanager
    async def start(api_base_url: str, **overrides: Any) -> AsyncIterator[Connector]:
        port = free_port()
        values: dict[str, Any] = {"public_base_url": f"http://{HOST}:{port}", **overrides}
        settings = VoiceConnectorSettings(
            kafka=kafka_settings,
            postgres=pg_settings,
            api_base_url=api_base_url,
            http_port=port,
            shutdown_grace_seconds=5,
            **values,
        )
        app = build_app(settings)
        async with serve(app, HOST, port) as url:
            yield Connector(url, settings, app)

    return start


@pytest.fixture
async def connector(start_connector: StartConnector, voice_sandbox: VoiceSandbox) -> AsyncIterator[Connector]:
    async with start_connector(voice_sandbox.url) as running:
        yield running


class Kafka:
    """Publishes voice submit events (as the gateway would) and reads msg.status."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.broker = make_broker(settings, client_id="test")
        self.publisher = EventPublisher(self.broker, settings, source="test")
        self.consumer = AIOKafkaConsumer(
            settings.topic(MSG_STATUS.name),
            bootstrap_servers=settings.bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.statuses: list[MessageStatusChangedV1] = []

    async def submit(self, event: MessageSubmittedV1) -> None:
        await self.publisher.publish(SUBMIT_TOPICS[Channel.VOICE].name, event, subject=event.message_id)

    async def wait_for(self, message_id: str, status: MessageStatus) -> MessageStatusChangedV1:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                for event in self.statuses:
                    if event.message_id == message_id and event.status is status:
                        return event
                await self._poll()

    async def settle(self, seconds: float) -> None:
        """Keep reading for a while (to see that nothing more arrives)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            await self._poll()

    def of(self, message_id: str) -> list[MessageStatus]:
        return [e.status for e in self.statuses if e.message_id == message_id]

    async def _poll(self) -> None:
        batch = await self.consumer.getmany(timeout_ms=100)
        for records in batch.values():
            for record in records:
                self.statuses.append(CloudEvent[MessageStatusChangedV1].model_validate_json(record.value).data)


@pytest.fixture
async def kafka(kafka_settings: KafkaSettings) -> AsyncIterator[Kafka]:
    k = Kafka(kafka_settings)
    await k.broker.start()
    await k.consumer.start()
    try:
        yield k
    finally:
        await k.consumer.stop()
        await k.broker.stop()


@pytest.fixture
async def db(pg_settings: PostgresSettings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_settings.dsn)
    try:
        yield conn
    finally:
        await conn.close()


# A receipt deadline of a second (production: 4 h 15 min), looked for five times a second.
SHORT_DEADLINE = {"receipt_deadline_seconds": 1.0, "receipt_sweep_seconds": 0.2}
