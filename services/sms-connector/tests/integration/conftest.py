"""The SMS connector's world in-process: the console schema with an account, an
approved sender ID and templates; a sandbox SMSC over real SMPP; a reader of msg.status
(the connector kit's test world)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from cpaas.connector_kit.testing import fixtures
from cpaas.connector_kit.testing.database import Database
from cpaas.connector_kit.testing.stream import StatusStream
from cpaas.contracts import Channel, MessageSubmittedV1, new_message_id
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.sandbox.app import build_app as build_sandbox
from cpaas.sandbox.settings import SandboxSettings
from cpaas.sms_connector.app import build_app
from cpaas.sms_connector.settings import SmsConnectorSettings

db, kafka = fixtures.db, fixtures.kafka  # the kit's fixtures, for this folder's tests
Kafka = StatusStream  # the `kafka` fixture's type: submit events in, msg.status out

REPO = Path(__file__).resolve().parents[4]
CONSOLE_MIGRATIONS = REPO / "services" / "console" / "src" / "cpaas" / "console" / "migrations"
SENDER_ID, PE_ID = "ACMEIN", "1101234567890123456"
OTP_DLT_TEMPLATE_ID, HINDI_DLT_TEMPLATE_ID = "1107161234567890123", "1107169876543210987"
SMSC_PASSWORD = "localdev"


@dataclass(frozen=True)
class Console:
    """What the test inserted into the console's tables."""

    account_id: int
    otp_template_id: int
    hindi_template_id: int
    whatsapp_template_id: int
    sender_id: str = SENDER_ID
    pe_id: str = PE_ID
    otp_dlt_template_id: str = OTP_DLT_TEMPLATE_ID
    hindi_dlt_template_id: str = HINDI_DLT_TEMPLATE_ID

    def submit_event(
        self, recipient: str, *, template_id: int | None = None, variables: dict[str, str] | None = None
    ) -> MessageSubmittedV1:
        """A submit event as the gateway publishes it."""
        return MessageSubmittedV1(
            message_id=new_message_id(),
            account_id=self.account_id,
            channel=Channel.SMS,
            recipient=recipient,
            template_id=template_id or self.otp_template_id,
            sender_id=self.sender_id,
            variables=variables if variables is not None else {"1": "482913"},
            campaign_id=7,
            submitted_at=datetime.now(UTC),
        )


@pytest.fixture
async def console(pg_settings: PostgresSettings) -> AsyncIterator[Console]:
    """The console's schema (its own migrations) and the rows a sender needs, by SQL."""
    pool = await create_pool(pg_settings, schema="console", application_name="test")
    try:
        await apply_migrations(pool, "console", CONSOLE_MIGRATIONS)
        account_id = await pool.fetchval("INSERT INTO console.accounts (name) VALUES ('Acme') RETURNING id")
        await pool.execute(
            "INSERT INTO console.sender_ids (account_id, sender_id, pe_id, status) VALUES ($1, $2, $3, 'APPROVED')",
            account_id,
            SENDER_ID,
            PE_ID,
        )
        insert_template = (
            "INSERT INTO console.templates (account_id, name, channel, status, body, dlt_template_id)"
            " VALUES ($1, $2, $3, 'APPROVED', $4, $5) RETURNING id"
        )
        otp = await pool.fetchval(
            insert_template, account_id, "otp", "SMS", "Your OTP is {#var#}. Do not share it.", OTP_DLT_TEMPLATE_ID
        )
        hindi = await pool.fetchval(insert_template, account_id, "hindi", "SMS", "{#var#}", HINDI_DLT_TEMPLATE_ID)
        whatsapp = await pool.fetchval(insert_template, account_id, "wa", "WHATSAPP", "Hello {{1}}", None)
        yield Console(account_id, otp, hindi, whatsapp)
    finally:
        await pool.close()


@asynccontextmanager
async def running_sandbox(receipt_delay_seconds: float, port: int = 0) -> AsyncIterator[FastAPI]:
    """The sandbox app on `port` (0: a free one; `app.state.smsc.port` tells which)."""
    app = build_sandbox(
        SandboxSettings(
            smpp_port=port,
            smpp_password=SMSC_PASSWORD,
            receipt_delay_seconds=receipt_delay_seconds,
            serve_channel_apis=False,
        )
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def sandbox() -> AsyncIterator[FastAPI]:
    """The sandbox SMSC on a free port, receipts 0.2 s after each submit."""
    async with running_sandbox(0.2) as app:
        yield app


@pytest.fixture
def sandbox_with_delay() -> Callable[..., AbstractAsyncContextManager[FastAPI]]:
    """`async with sandbox_with_delay(seconds[, port]) as sandbox:` another sandbox."""
    return running_sandbox


@pytest.fixture
def connector(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings
) -> Callable[..., AbstractAsyncContextManager[FastAPI]]:
    """`async with connector(sandbox[, setting=value...]):` runs the SMS connector bound
    to that sandbox (`smpp_port` and `postgres` among the settings it may replace)."""

    def start(sandbox: FastAPI, **overrides: object) -> AbstractAsyncContextManager[FastAPI]:
        return running_connector(connector_settings(kafka_settings, pg_settings, sandbox, **overrides))

    return start


@pytest.fixture
def smsc() -> Callable[[FastAPI, str], Awaitable[list[dict]]]:
    """`await smsc(sandbox, recipient)`: what the SMSC received, via its HTTP API."""
    return received_by_smsc


@pytest.fixture
def sql(db: Database) -> Callable[..., Awaitable[str]]:
    """`await sql(statement, *args)` on the test's database."""
    return db.execute


@pytest.fixture
def segment_rows(db: Database) -> Callable[[str], Awaitable[list[asyncpg.Record]]]:
    async def rows(message_id: str) -> list[asyncpg.Record]:
        return await db.fetch("SELECT * FROM sms.segments WHERE message_id = $1 ORDER BY seq", message_id)

    return rows


def connector_settings(
    kafka: KafkaSettings, pg: PostgresSettings, sandbox: FastAPI, **overrides: object
) -> SmsConnectorSettings:
    values: dict[str, object] = {
        "kafka": kafka,
        "postgres": pg,
        "smpp_port": sandbox.state.smsc.port,
        "password": SMSC_PASSWORD,
        "shutdown_grace_seconds": 5,
        **overrides,
    }
    return SmsConnectorSettings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_connector(settings: SmsConnectorSettings) -> AsyncIterator[FastAPI]:
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def received_by_smsc(sandbox: FastAPI, recipient: str) -> list[dict]:
    """What the sandbox SMSC received for a recipient, through its HTTP API."""
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        response = await http.get("/sandbox/smsc/messages", params={"recipient": recipient})
    response.raise_for_status()
    return response.json()["messages"]
