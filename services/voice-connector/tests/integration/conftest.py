"""The voice connector's world in-process: the seeded console schema, the sandbox's voice
API and the connector each served by uvicorn on a free port (callbacks are real HTTP),
and a reader of msg.status (the connector kit's test world)."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cpaas.connector_kit.testing import fixtures
from cpaas.connector_kit.testing.relay import free_port
from cpaas.connector_kit.testing.stream import StatusStream
from cpaas.console.seed import seed
from cpaas.contracts import Channel, MessageSubmittedV1, new_message_id
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.sandbox.voice import VoiceSandboxSettings, build_voice_app, serve
from cpaas.voice_connector.app import build_app
from cpaas.voice_connector.settings import VoiceConnectorSettings

db, kafka = fixtures.db, fixtures.kafka  # the kit's fixtures, for this folder's tests
Kafka = StatusStream  # the `kafka` fixture's type: submit events in, msg.status out

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
async def running_voice_sandbox(port: int = 0, **overrides: Any) -> AsyncIterator[VoiceSandbox]:
    settings = VoiceSandboxSettings(
        **{"http_port": port, "call_progress_delay_seconds": CALL_PROGRESS_DELAY_SECONDS, **overrides}
    )
    async with serve(build_voice_app(settings), HOST, port) as url:
        yield VoiceSandbox(url, settings)


@pytest.fixture
async def voice_sandbox() -> AsyncIterator[VoiceSandbox]:
    async with running_voice_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox_on_port() -> Callable[..., AbstractAsyncContextManager[VoiceSandbox]]:
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
    on its own port (unless `public_base_url` says otherwise); `pg` instead of the test's
    database."""

    @asynccontextmanager
    async def start(
        api_base_url: str, *, pg: PostgresSettings | None = None, **overrides: Any
    ) -> AsyncIterator[Connector]:
        port = free_port()
        values: dict[str, Any] = {"public_base_url": f"http://{HOST}:{port}", **overrides}
        settings = VoiceConnectorSettings(
            kafka=kafka_settings,
            postgres=pg or pg_settings,
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


# A receipt deadline of a second (production: 4 h 15 min), looked for five times a second.
SHORT_DEADLINE = {"receipt_deadline_seconds": 1.0, "receipt_sweep_seconds": 0.2}
