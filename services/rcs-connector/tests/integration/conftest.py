"""The RCS connector's world in-process: the console schema seeded with an account, an
ACTIVE bot and RCS templates; the sandbox RBM API on a free port; the connector served
by uvicorn on another, as the sandbox's webhook target; a reader of the status topics."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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
from cpaas.contracts.events import TemplateStatusChangedV1, TemplateSubmittedV1
from cpaas.contracts.topics import MSG_STATUS, TEMPLATE_STATUS, TEMPLATE_SUBMITTED
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.rcs_connector.app import build_app
from cpaas.rcs_connector.settings import RcsConnectorSettings
from cpaas.sandbox.rbm import RbmSandboxSettings, RunningRbm, running_rbm_server
from cpaas.sandbox.rbm.events import push_body, signature

WAIT_SECONDS = 12
CLIENT_TOKEN = "local-dev-rbm-webhook-token"


class Kafka:
    """Publishes submit and template events (as the gateway and console would) and reads
    msg.status and template.status."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.broker = make_broker(settings, client_id="test")
        self.publisher = EventPublisher(self.broker, settings, source="test")
        self.consumer = AIOKafkaConsumer(
            settings.topic(MSG_STATUS.name),
            settings.topic(TEMPLATE_STATUS.name),
            bootstrap_servers=settings.bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.statuses: list[MessageStatusChangedV1] = []
        self.template_statuses: list[TemplateStatusChangedV1] = []

    async def submit(self, event: MessageSubmittedV1) -> None:
        await self.publisher.publish(SUBMIT_TOPICS[Channel.RCS].name, event, subject=event.message_id)

    async def submit_template(self, event: TemplateSubmittedV1) -> None:
        await self.publisher.publish(TEMPLATE_SUBMITTED.name, event, subject=str(event.template_id))

    async def wait_for(self, message_id: str, status: MessageStatus) -> MessageStatusChangedV1:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                for event in self.statuses:
                    if event.message_id == message_id and event.status is status:
                        return event
                await self._poll()

    async def wait_for_template(self, template_id: int, status: str) -> TemplateStatusChangedV1:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                for event in self.template_statuses:
                    if event.template_id == template_id and event.status == status:
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

    def templates_of(self, template_id: int) -> list[str]:
        return [e.status for e in self.template_statuses if e.template_id == template_id]

    async def _poll(self) -> None:
        batch = await self.consumer.getmany(timeout_ms=100)
        for records in batch.values():
            for record in records:
                if record.topic == self.settings.topic(MSG_STATUS.name):
                    self.statuses.append(CloudEvent[MessageStatusChangedV1].model_validate_json(record.value).data)
                else:
                    event = CloudEvent[TemplateStatusChangedV1].model_validate_json(record.value).data
                    self.template_statuses.append(event)


def submit_event(creds: dict, recipient: str, kind: str = "RCS", variables: dict | None = None) -> MessageSubmittedV1:
    """An RCS submit as the gateway publishes it; `kind` names a seeded template."""
    return MessageSubmittedV1(
        message_id=new_message_id(),
        account_id=creds["accountId"],
        channel=Channel.RCS,
        recipient=recipient,
        template_id=creds["templates"][kind],
        variables={"1": "Asha"} if variables is None else variables,
        campaign_id=11,
        submitted_at=datetime.now(UTC),
    )


@pytest.fixture
def make_submit() -> Callable[..., MessageSubmittedV1]:
    """`make_submit(creds, recipient, kind="RCS")` without a running world."""
    return submit_event


@dataclass
class World:
    creds: dict
    kafka: Kafka
    rbm: RunningRbm
    connector: FastAPI
    connector_url: str
    pg: PostgresSettings
    http: httpx.AsyncClient = field(default_factory=httpx.AsyncClient)
    webhooks_serving: Callable[[], AbstractAsyncContextManager[int]] | None = None

    @property
    def account_id(self) -> int:
        return self.creds["accountId"]

    def template_id(self, kind: str) -> int:
        return self.creds["templates"][kind]

    def submit_event(self, recipient: str, kind: str = "RCS", variables: dict | None = None) -> MessageSubmittedV1:
        return submit_event(self.creds, recipient, kind, variables)

    def template_event(
        self, template_id: int, name: str, *, template_type: str = "TEXT", content: dict | None = None
    ) -> TemplateSubmittedV1:
        return TemplateSubmittedV1(
            template_id=template_id,
            account_id=self.account_id,
            channel=Channel.RCS,
            name=name,
            template_type=template_type,
            body="Hello {{1}}, your order {{2}} is confirmed.",
            content=content or {"suggestions": [{"type": "REPLY", "text": "Thanks", "postbackData": "thanks"}]},
            submitted_at=datetime.now(UTC),
        )

    async def received(self, msisdn: str) -> list[dict]:
        """What the RBM sandbox received for a number (refused sends too)."""
        response = await self.http.get(f"{self.rbm.base_url}/sandbox/rbm/messages", params={"msisdn": msisdn})
        response.raise_for_status()
        return response.json()["messages"]

    async def capability_checks(self, msisdn: str) -> list[dict]:
        response = await self.http.get(f"{self.rbm.base_url}/sandbox/rbm/capability-checks", params={"msisdn": msisdn})
        return response.json()["checks"]

    async def post_webhook(self, event: dict, *, client_token: str = CLIENT_TOKEN) -> httpx.Response:
        """POST one RBM event to the connector, signed as RBM signs it."""
        body, data = push_body(event)
        headers = {"Content-Type": "application/json", "X-Goog-Signature": signature(data, client_token)}
        return await self.http.post(f"{self.connector_url}/webhooks/rbm", content=body, headers=headers)

    async def rows(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.pg.dsn)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def sql(self, query: str, *args: Any) -> str:
        conn = await asyncpg.connect(self.pg.dsn)
        try:
            return await conn.execute(query, *args)
        finally:
            await conn.close()


@pytest.fixture
async def creds(pg_settings: PostgresSettings, tmp_path: Path) -> dict:
    """The console schema with the demo account, its ACTIVE bot and RCS templates."""
    return await seed(pg_settings, tmp_path / "creds.json")


@pytest.fixture
async def kafka(kafka_settings: KafkaSettings) -> AsyncIterator[Kafka]:
    reader = Kafka(kafka_settings)
    await reader.broker.start()
    await reader.consumer.start()
    try:
        yield reader
    finally:
        await reader.consumer.stop()
        await reader.broker.stop()


def webhook_forwarder(connector_url: str) -> Starlette:
    """Passes RBM's events on to the connector, byte for byte (signature kept)."""

    async def forward(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k in ("content-type", "x-goog-signature")}
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{connector_url}/webhooks/rbm", content=await request.body(), headers=headers)
        return Response(answer.content, status_code=answer.status_code)

    return Starlette(routes=[Route("/webhooks/rbm", forward, methods=["POST"])])


# Redeliveries every 0.05-0.5 s instead of RBM's minutes, for up to a minute.
FAST_REDELIVERY = {
    "webhook_retry_base_seconds": 0.1,
    "webhook_retry_max_seconds": 0.5,
    "webhook_retry_horizon_seconds": 60.0,
}
# A receipt deadline of a second (production: a day), looked for five times a second.
SHORT_DEADLINE = {"receipt_deadline_seconds": 1.0, "receipt_sweep_seconds": 0.2}


@asynccontextmanager
async def open_world(
    creds: dict,
    kafka: Kafka,
    kafka_settings: KafkaSettings,
    pg_settings: PostgresSettings,
    *,
    webhooks_up: bool = True,
    connector: dict[str, Any] | None = None,
) -> AsyncIterator[World]:
    """With `webhooks_up=False` the sandbox posts its events to a port that refuses
    connections until `world.webhooks_serving()` (which forwards them to the connector)."""
    connector_socket, webhook_socket = bind_socket(), bind_socket()
    connector_url = f"http://127.0.0.1:{connector_socket.getsockname()[1]}"
    webhook_port = webhook_socket.getsockname()[1]
    webhook_socket.close()  # bound only to reserve a free port: nothing listens there yet
    rbm_settings = RbmSandboxSettings(
        http_port=0,
        webhook_url=f"{connector_url if webhooks_up else f'http://127.0.0.1:{webhook_port}'}/webhooks/rbm",
        event_delay_seconds=0.2,
        review_delay_seconds=0.3,
        **FAST_REDELIVERY,
    )
    try:
        async with running_rbm_server(rbm_settings) as rbm:
            settings = RcsConnectorSettings(
                kafka=kafka_settings,
                postgres=pg_settings,
                base_url=rbm.base_url,
                shutdown_grace_seconds=5,
                **(connector or {}),
            )
            app = build_app(settings)
            async with serving(app, connector_socket), httpx.AsyncClient() as http:
                yield World(
                    creds,
                    kafka,
                    rbm,
                    app,
                    connector_url,
                    pg_settings,
                    http,
                    webhooks_serving=lambda: serving(webhook_forwarder(connector_url), bind_socket(port=webhook_port)),
                )
    finally:
        connector_socket.close()


@pytest.fixture
async def world(
    creds: dict, kafka: Kafka, kafka_settings: KafkaSettings, pg_settings: PostgresSettings
) -> AsyncIterator[World]:
    async with open_world(creds, kafka, kafka_settings, pg_settings) as w:
        yield w


@pytest.fixture
async def world_with_short_deadline(
    creds: dict, kafka: Kafka, kafka_settings: KafkaSettings, pg_settings: PostgresSettings
) -> AsyncIterator[World]:
    async with open_world(creds, kafka, kafka_settings, pg_settings, connector=SHORT_DEADLINE) as w:
        yield w


@pytest.fixture
async def world_with_webhooks_down(
    creds: dict, kafka: Kafka, kafka_settings: KafkaSettings, pg_settings: PostgresSettings
) -> AsyncIterator[World]:
    """RBM's events refused until `async with world.webhooks_serving():`."""
    async with open_world(creds, kafka, kafka_settings, pg_settings, webhooks_up=False) as w:
        yield w
