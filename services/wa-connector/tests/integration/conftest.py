"""The WhatsApp connector's world in-process, over real HTTP both ways: the console
schema seeded by the console's own `seed()`, the WhatsApp sandbox served by uvicorn on a
free port with its webhooks pointed at the connector, itself served by uvicorn on a free
port; real Kafka and PostgreSQL (the connector kit's test world)."""

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from cpaas.connector_kit.testing import fixtures
from cpaas.connector_kit.testing.database import Database
from cpaas.connector_kit.testing.http import forwarding
from cpaas.connector_kit.testing.stream import StatusStream
from cpaas.console.seed import seed
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1, new_message_id
from cpaas.contracts.events import TemplateStatusChangedV1, TemplateSubmittedV1
from cpaas.platform.broker import EventPublisher
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.sandbox.whatsapp import WhatsAppSandboxSettings, bind_socket, build_whatsapp_app, serving
from cpaas.wa_connector.app import build_app
from cpaas.wa_connector.settings import WaConnectorSettings

db, kafka = fixtures.db, fixtures.kafka  # the kit's fixtures, for this folder's tests

APP_SECRET = "local-dev-wa-app-secret"
STATUS_DELAY_SECONDS, REVIEW_DELAY_SECONDS = 0.05, 0.1
WEBHOOK_PATH, WEBHOOK_HEADERS = "/webhooks/whatsapp", ("content-type", "x-hub-signature-256")


@dataclass
class World:
    """What a test talks to: the seeded console, the sandbox, the connector, Kafka."""

    account_id: int
    template_id: int
    waba_number_id: int
    sandbox_url: str
    connector_url: str
    pg: PostgresSettings
    stream: StatusStream
    sandbox_serving: Callable[[], AbstractAsyncContextManager[int]]
    webhooks_serving: Callable[[], AbstractAsyncContextManager[str]]
    connector_app: FastAPI

    @property
    def publisher(self) -> EventPublisher:
        return self.stream.publisher

    @property
    def statuses(self) -> list[MessageStatusChangedV1]:
        return self.stream.statuses

    @property
    def template_statuses(self) -> list[TemplateStatusChangedV1]:
        return self.stream.template_statuses

    def submit_event(
        self, recipient: str, *, template_id: int | None = None, variables: dict[str, str] | None = None
    ) -> MessageSubmittedV1:
        """A submit event as the gateway publishes it."""
        return MessageSubmittedV1(
            message_id=new_message_id(),
            account_id=self.account_id,
            channel=Channel.WHATSAPP,
            recipient=recipient,
            template_id=template_id or self.template_id,
            variables=variables if variables is not None else {"1": "Asha", "2": "A-1042"},
            campaign_id=11,
            submitted_at=datetime.now(UTC),
        )

    async def submit(self, event: MessageSubmittedV1) -> None:
        await self.stream.submit(event)

    async def submit_template(self, name: str, **overrides: Any) -> TemplateSubmittedV1:
        values: dict[str, Any] = {
            "template_id": self.template_id,
            "account_id": self.account_id,
            "channel": Channel.WHATSAPP,
            "name": name,
            "language": "en",
            "category": "MARKETING",
            "template_type": "MEDIA",
            "body": "Hi {{1}}, {{2}} is back in stock.",
            "content": {"header": {"type": "IMAGE", "mediaUrl": "https://cdn.example.com/stock.png"}},
            "waba_number_id": self.waba_number_id,
            "submitted_at": datetime.now(UTC),
            **overrides,
        }
        event = TemplateSubmittedV1(**values)
        await self.stream.submit_template(event)
        return event

    async def wait_for(self, message_id: str, status: MessageStatus) -> MessageStatusChangedV1:
        return await self.stream.wait_for(message_id, status)

    async def wait_for_template(self, template_id: int, status: str) -> TemplateStatusChangedV1:
        return await self.stream.wait_for_template(template_id, status)

    async def settle(self, seconds: float) -> None:
        """Keep reading for a while (to see that nothing more arrives)."""
        await self.stream.settle(seconds)

    def of(self, message_id: str) -> list[MessageStatus]:
        return self.stream.of(message_id)

    async def received_by_sandbox(self, recipient: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.sandbox_url) as http:
            response = await http.get("/sandbox/whatsapp/messages", params={"to": recipient})
        response.raise_for_status()
        return response.json()["messages"]

    async def post_webhook(self, payload: dict[str, Any], *, secret: str = APP_SECRET) -> httpx.Response:
        """POST a webhook to the connector as the provider would, signed with `secret`."""
        raw = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        async with httpx.AsyncClient(base_url=self.connector_url) as http:
            return await http.post(
                WEBHOOK_PATH,
                content=raw,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            )

    async def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await Database(self.pg).fetch(sql, *args)


@asynccontextmanager
async def open_world(
    kafka_settings: KafkaSettings,
    pg_settings: PostgresSettings,
    stream: StatusStream,
    tmp_path: Path,
    *,
    sandbox_up: bool,
    webhooks_up: bool = True,
    connector: dict[str, Any] | None = None,
    sandbox: dict[str, Any] | None = None,
    provider_url: Callable[[str], str] | None = None,
) -> AsyncIterator[World]:
    """The world running; with `sandbox_up=False` the sandbox's port refuses connections
    until the test calls `world.sandbox_serving()`; with `webhooks_up=False` the
    sandbox posts its webhooks to a port that refuses connections until the test calls
    `world.webhooks_serving()` (which forwards them to the connector from then on).
    `connector` and `sandbox` override settings of either; `provider_url(sandbox_url)`
    is where the connector sends instead of the sandbox (a tap in front of it)."""
    creds = await seed(pg_settings, tmp_path / "creds.json")
    waba_number_id = await Database(pg_settings).fetchval(
        "SELECT id FROM console.waba_numbers WHERE account_id = $1", creds["accountId"]
    )
    sandbox_sock, connector_sock, webhook_sock = bind_socket(), bind_socket(), bind_socket()
    sandbox_port, connector_port = sandbox_sock.getsockname()[1], connector_sock.getsockname()[1]
    webhook_port = connector_port if webhooks_up else webhook_sock.getsockname()[1]
    webhook_sock.close()  # bound only to reserve a free port: nothing listens there yet
    sandbox_app = build_whatsapp_app(
        WhatsAppSandboxSettings(
            **{
                "webhook_url": f"http://127.0.0.1:{webhook_port}{WEBHOOK_PATH}",
                "status_delay_seconds": STATUS_DELAY_SECONDS,
                "template_review_delay_seconds": REVIEW_DELAY_SECONDS,
                # the templates here link media on cdn.example.com, which this machine cannot reach;
                # fetching a header's media at review is the sandbox's own test
                "fetch_media": False,
                **(sandbox or {}),
            }
        )
    )
    # the console registers a linked number with the Cloud API (Meta refuses sends from others)
    for number_id in await Database(pg_settings).fetch("SELECT phone_number_id FROM console.waba_numbers"):
        sandbox_app.state.cloud.register(number_id["phone_number_id"])
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    connector_app = build_app(
        WaConnectorSettings(
            kafka=kafka_settings,
            postgres=pg_settings,
            base_url=provider_url(sandbox_url) if provider_url else sandbox_url,
            shutdown_grace_seconds=5,
            **(connector or {}),
        )
    )
    connector_url = f"http://127.0.0.1:{connector_port}"
    try:
        async with AsyncExitStack() as stack:
            if sandbox_up:
                await stack.enter_async_context(serving(sandbox_app, sandbox_sock))
            await stack.enter_async_context(serving(connector_app, connector_sock))
            yield World(
                account_id=creds["accountId"],
                template_id=creds["templates"]["WHATSAPP"],
                waba_number_id=waba_number_id,
                sandbox_url=sandbox_url,
                connector_url=connector_url,
                pg=pg_settings,
                stream=stream,
                sandbox_serving=lambda: serving(sandbox_app, sandbox_sock),
                webhooks_serving=lambda: forwarding(connector_url, WEBHOOK_PATH, WEBHOOK_HEADERS, webhook_port),
                connector_app=connector_app,
            )
    finally:
        sandbox_sock.close()


@pytest.fixture
async def world(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, kafka: StatusStream, tmp_path: Path
) -> AsyncIterator[World]:
    async with open_world(kafka_settings, pg_settings, kafka, tmp_path, sandbox_up=True) as w:
        yield w


@pytest.fixture
async def world_without_provider(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, kafka: StatusStream, tmp_path: Path
) -> AsyncIterator[World]:
    """The world with the sandbox down until `async with world.sandbox_serving():`."""
    async with open_world(kafka_settings, pg_settings, kafka, tmp_path, sandbox_up=False) as w:
        yield w


# A receipt deadline of a second (production: a day), looked for five times a second.
SHORT_DEADLINE = {"receipt_deadline_seconds": 1.0, "receipt_sweep_seconds": 0.2}


@pytest.fixture
async def world_with_short_deadline(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, kafka: StatusStream, tmp_path: Path
) -> AsyncIterator[World]:
    async with open_world(kafka_settings, pg_settings, kafka, tmp_path, sandbox_up=True, connector=SHORT_DEADLINE) as w:
        yield w


# Redeliveries every 0.05-0.5 s instead of Meta's minutes, for up to a minute.
FAST_REDELIVERY = {
    "webhook_retry_base_seconds": 0.1,
    "webhook_retry_max_seconds": 0.5,
    "webhook_retry_horizon_seconds": 60.0,
}


@pytest.fixture
async def world_with_webhooks_down(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, kafka: StatusStream, tmp_path: Path
) -> AsyncIterator[World]:
    """The sandbox's webhooks refused until `async with world.webhooks_serving():`."""
    async with open_world(
        kafka_settings, pg_settings, kafka, tmp_path, sandbox_up=True, webhooks_up=False, sandbox=FAST_REDELIVERY
    ) as w:
        yield w


StartWorld = Callable[..., AbstractAsyncContextManager[World]]


@pytest.fixture
def start_world(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, kafka: StatusStream, tmp_path: Path
) -> StartWorld:
    """`async with start_world(pg=..., sandbox=..., provider_url=...) as world:` a world of
    the test's own making (`open_world`'s options; `pg` instead of the test's database)."""

    def start(*, pg: PostgresSettings | None = None, **options: Any) -> AbstractAsyncContextManager[World]:
        options.setdefault("sandbox_up", True)
        return open_world(kafka_settings, pg or pg_settings, kafka, tmp_path, **options)

    return start
