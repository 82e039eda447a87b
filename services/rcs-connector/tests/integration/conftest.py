"""The RCS connector's world in-process: the console schema seeded with an account, an
ACTIVE bot and RCS templates; the sandbox RBM API on a free port; the connector served
by uvicorn on another, as the sandbox's webhook target; a reader of the status topics."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
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
from cpaas.contracts import Channel, MessageSubmittedV1, new_message_id
from cpaas.contracts.events import TemplateSubmittedV1
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.rcs_connector.app import build_app
from cpaas.rcs_connector.settings import RcsConnectorSettings
from cpaas.sandbox.rbm import RbmSandboxSettings, RunningRbm, running_rbm_server
from cpaas.sandbox.rbm.events import push_body, signature

db, kafka = fixtures.db, fixtures.kafka  # the kit's fixtures, for this folder's tests
Kafka = StatusStream  # the `kafka` fixture's type: submit and template events in, statuses out

CLIENT_TOKEN = "local-dev-rbm-webhook-token"
WEBHOOK_PATH, WEBHOOK_HEADERS = "/webhooks/rbm", ("content-type", "x-goog-signature")


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
    webhooks_serving: Callable[[], AbstractAsyncContextManager[str]] | None = None

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
        return await self.http.post(f"{self.connector_url}{WEBHOOK_PATH}", content=body, headers=headers)

    async def rows(self, query: str, *args: Any) -> list[asyncpg.Record]:
        return await Database(self.pg).fetch(query, *args)

    async def sql(self, query: str, *args: Any) -> str:
        return await Database(self.pg).execute(query, *args)


@pytest.fixture
async def creds(pg_settings: PostgresSettings, tmp_path: Path) -> dict:
    """The console schema with the demo account, its ACTIVE bot and RCS templates."""
    return await seed(pg_settings, tmp_path / "creds.json")


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
    rbm: dict[str, Any] | None = None,
    provider_url: Callable[[str], str] | None = None,
) -> AsyncIterator[World]:
    """With `webhooks_up=False` the sandbox posts its events to a port that refuses
    connections until `world.webhooks_serving()` (which forwards them to the connector).
    `connector` and `rbm` override settings of either; `provider_url(rbm_url)` is where
    the connector sends instead of the sandbox (a tap in front of it)."""
    connector_socket, webhook_socket = bind_socket(), bind_socket()
    connector_url = f"http://127.0.0.1:{connector_socket.getsockname()[1]}"
    webhook_port = webhook_socket.getsockname()[1]
    webhook_socket.close()  # bound only to reserve a free port: nothing listens there yet
    rbm_settings = RbmSandboxSettings(
        **{
            "http_port": 0,
            "webhook_url": f"{connector_url if webhooks_up else f'http://127.0.0.1:{webhook_port}'}{WEBHOOK_PATH}",
            "event_delay_seconds": 0.2,
            "review_delay_seconds": 0.3,
            **FAST_REDELIVERY,
            **(rbm or {}),
        }
    )
    try:
        async with running_rbm_server(rbm_settings) as running:
            settings = RcsConnectorSettings(
                kafka=kafka_settings,
                postgres=pg_settings,
                base_url=provider_url(running.base_url) if provider_url else running.base_url,
                shutdown_grace_seconds=5,
                **(connector or {}),
            )
            app = build_app(settings)
            async with serving(app, connector_socket), httpx.AsyncClient() as http:
                yield World(
                    creds,
                    kafka,
                    running,
                    app,
                    connector_url,
                    pg_settings,
                    http,
                    webhooks_serving=lambda: forwarding(connector_url, WEBHOOK_PATH, WEBHOOK_HEADERS, webhook_port),
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


StartWorld = Callable[..., AbstractAsyncContextManager[World]]


@pytest.fixture
def start_world(creds: dict, kafka: Kafka, kafka_settings: KafkaSettings, pg_settings: PostgresSettings) -> StartWorld:
    """`async with start_world(pg=..., rbm=..., provider_url=...) as world:` a world of the
    test's own making (`open_world`'s options; `pg` instead of the test's database)."""

    def start(*, pg: PostgresSettings | None = None, **options: Any) -> AbstractAsyncContextManager[World]:
        return open_world(creds, kafka, kafka_settings, pg or pg_settings, **options)

    return start
