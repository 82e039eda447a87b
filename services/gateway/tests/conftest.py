"""A running gateway over the real Kafka and PostgreSQL, with the console's demo data."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from cpaas.console.seed import seed
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.gateway.app import build_app
from cpaas.gateway.settings import GatewaySettings
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import KafkaSettings, PostgresSettings

OPENING_BALANCE_MINOR = 100_000


async def open_balance(pg: PostgresSettings, account_id: int, amount_minor: int) -> None:
    """billing's own schema (its migrations) with a balance for the account."""
    import cpaas.billing

    pool = await create_pool(pg, schema="billing", application_name="test")
    try:
        await apply_migrations(pool, "billing", Path(cpaas.billing.__file__).parent / "migrations")
        await pool.execute(
            "INSERT INTO billing.balances (account_id, balance_minor, currency) VALUES ($1, $2, 'INR')"
            " ON CONFLICT (account_id) DO UPDATE SET balance_minor = EXCLUDED.balance_minor",
            account_id,
            amount_minor,
        )
    finally:
        await pool.close()


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient
    creds: dict
    settings: GatewaySettings

    def headers(self, **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.creds["apiKey"], **extra}

    async def submitted(self, *, expect: int, wait: float = 3.0) -> list[dict]:
        return await submitted(self, expect=expect, wait=wait)

    @staticmethod
    def assert_error(response, status: int, code: str, field: str | None = None) -> None:
        assert_error(response, status, code, field)

    def sms(self, **overrides: object) -> dict:
        return {
            "recipient": "+919876543210",
            "channel": "SMS",
            "templateId": self.creds["templates"]["SMS"],
            "senderId": self.creds["senderId"],
            "variables": ["482913", "10"],
            **overrides,
        }


@pytest.fixture
async def reporting(pg_settings: PostgresSettings) -> None:
    """The delivery log the reports API reads (reporting's own schema, by its migrations)."""
    import cpaas.reporting

    pool = await create_pool(pg_settings, schema="reporting", application_name="test")
    try:
        await apply_migrations(pool, "reporting", Path(cpaas.reporting.__file__).parent / "migrations")
    finally:
        await pool.close()


CLIENT_IP = "203.0.113.7"  # the address the test client connects from


@pytest.fixture
def start_gateway(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, tmp_path: Path
) -> Callable[..., AbstractAsyncContextManager[Gateway]]:
    """`async with start_gateway(**settings) as gw`: a gateway with settings of the test's
    choosing (over this test's Kafka prefix and database, seeded once)."""
    creds: dict = {}

    @asynccontextmanager
    async def start(client_ip: str = CLIENT_IP, **overrides: object) -> AsyncIterator[Gateway]:
        if not creds:
            creds.update(await seed(pg_settings, tmp_path / "creds.json"))
            await open_balance(pg_settings, creds["accountId"], OPENING_BALANCE_MINOR)
        options = {"kafka": kafka_settings, "postgres": pg_settings, "submit_rate_per_second": 1000, **overrides}
        settings = GatewaySettings(**options)
        app = build_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield Gateway(app, client, creds, settings)

    return start


@pytest.fixture
async def gateway(start_gateway) -> AsyncIterator[Gateway]:
    async with start_gateway() as gw:
        yield gw


async def submitted(gw, *, expect: int, wait: float = 3.0) -> list[dict]:
    """Every record on this test's msg.submit.sms; waits for `expect`, then a little longer."""
    return await submitted_on(gw.settings.kafka, expect=expect, wait=wait)


async def submitted_on(kafka: KafkaSettings, *, expect: int, wait: float = 3.0) -> list[dict]:
    consumer = AIOKafkaConsumer(
        kafka.topic(SUBMIT_TOPICS["SMS"].name),
        bootstrap_servers=kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[dict] = []
    try:
        deadline = asyncio.get_running_loop().time() + wait
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            records += [json.loads(r.value) for rs in batch.values() for r in rs]
            if len(records) > expect:
                break
    finally:
        await consumer.stop()
    return records


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert error["field"] == field
