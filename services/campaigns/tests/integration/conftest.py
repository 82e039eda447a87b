"""The campaigns service over the real Kafka and PostgreSQL: the console's demo data
(seeded by the console's own code, plus a promotional SMS template), billing's schema
with a balance, the service served over real HTTP, and a reader of the submit topics."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from cpaas.campaigns.app import build_app
from cpaas.campaigns.settings import CampaignsSettings
from cpaas.console.seed import seed
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings

WAIT_SECONDS = 30
OPENING_BALANCE_MINOR = 100_000  # 1,000.00 INR
PROMO_BODY = "Diwali offer for {#var#}: {#var#} off at CPaaS stores. T&C apply -CPAAS"


class FakeClock:
    """A wall clock the test sets."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)


@dataclass
class World:
    pg: PostgresSettings
    kafka: KafkaSettings
    creds: dict
    promo_template_id: int
    clock: FakeClock = field(default_factory=FakeClock)

    @property
    def account_id(self) -> int:
        return self.creds["accountId"]

    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.creds["apiKey"]}

    def settings(self, **overrides: Any) -> CampaignsSettings:
        values = {
            "kafka": self.kafka,
            "postgres": self.pg,
            "dispatch_tick_seconds": 0.05,
            "work_poll_seconds": 0.2,
            "shutdown_grace_seconds": 3,
            **overrides,
        }
        return CampaignsSettings(**values)

    async def sql(self, statement: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.pg.dsn)
        try:
            return await conn.fetch(statement, *args)
        finally:
            await conn.close()

    async def set_balance(self, minor: int) -> None:
        await self.sql("UPDATE billing.balances SET balance_minor = $2 WHERE account_id = $1", self.account_id, minor)

    def sms_form(self, name: str, **overrides: str) -> dict[str, str]:
        return {
            "name": name,
            "channel": "SMS",
            "templateId": str(self.creds["templates"]["SMS"]),
            "senderId": self.creds["senderId"],
            **overrides,
        }


@pytest.fixture
async def world(pg_settings: PostgresSettings, kafka_settings: KafkaSettings, tmp_path: Path) -> World:
    import cpaas.billing

    creds = await seed(pg_settings, tmp_path / "creds.json")
    pool = await create_pool(pg_settings, schema="billing", application_name="test")
    try:
        await apply_migrations(pool, "billing", Path(cpaas.billing.__file__).parent / "migrations")
        await pool.execute(
            "INSERT INTO billing.balances (account_id, balance_minor, currency) VALUES ($1, $2, 'INR')",
            creds["accountId"],
            OPENING_BALANCE_MINOR,
        )
        promo = await pool.fetchval(
            "INSERT INTO console.templates (account_id, name, channel, status, category, body, dlt_template_id)"
            " VALUES ($1, 'diwali_offer', 'SMS', 'APPROVED', 'MIC', $2, '1107161234567890999') RETURNING id",
            creds["accountId"],
            PROMO_BODY,
        )
    finally:
        await pool.close()
    return World(pg_settings, kafka_settings, creds, promo)


@dataclass
class Service:
    client: httpx.AsyncClient
    internal: httpx.AsyncClient
    world: World

    async def create(self, form: dict[str, str], content: bytes, *, filename: str = "list.csv") -> httpx.Response:
        return await self.client.post(
            "/api/v1/campaigns",
            data=form,
            files={"file": (filename, content, "text/csv")},
            headers=self.world.headers(),
        )

    async def campaign(self, campaign_id: int) -> dict:
        response = await self.client.get(f"/api/v1/campaigns/{campaign_id}", headers=self.world.headers())
        assert response.status_code == 200, response.text
        return response.json()

    async def act(self, campaign_id: int, action: str) -> httpx.Response:
        return await self.client.post(f"/api/v1/campaigns/{campaign_id}/{action}", headers=self.world.headers())

    async def until(self, campaign_id: int, done: Callable[[dict], bool], what: str) -> dict:
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while True:
                    campaign = await self.campaign(campaign_id)
                    if done(campaign):
                        return campaign
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise AssertionError(f"{what}; last seen: {json.dumps(campaign)[:1500]}") from None


@asynccontextmanager
async def running(world: World, **overrides: Any) -> AsyncIterator[Service]:
    settings = world.settings(**overrides)
    app = build_app(settings, clock=world.clock)
    public, internal = bind_socket(), bind_socket()
    async with serving(app, public, internal_sock=internal) as port:
        internal_port = internal.getsockname()[1]
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{internal_port}", timeout=30) as internal_client,
        ):
            yield Service(client, internal_client, world)


@pytest.fixture
def service(world: World) -> Callable[..., Any]:
    return lambda **overrides: running(world, **overrides)


class Submits:
    """Reads what was published on the submit topics."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.consumer = AIOKafkaConsumer(
            *(kafka.topic(spec.name) for spec in SUBMIT_TOPICS.values()),
            bootstrap_servers=kafka.bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.events: list[dict] = []

    async def poll(self, seconds: float = 0.2) -> None:
        batches = await self.consumer.getmany(timeout_ms=int(seconds * 1000))
        for records in batches.values():
            self.events += [json.loads(r.value)["data"] for r in records]

    async def until(self, count: int, seconds: float = WAIT_SECONDS) -> list[dict]:
        async with asyncio.timeout(seconds):
            while len(self.events) < count:
                await self.poll()
        return self.events


@pytest.fixture
async def submits(kafka_settings: KafkaSettings) -> AsyncIterator[Submits]:
    reader = Submits(kafka_settings)
    await reader.consumer.start()
    try:
        yield reader
    finally:
        await reader.consumer.stop()


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = WAIT_SECONDS) -> None:
    async with asyncio.timeout(seconds):
        while not await check():
            await asyncio.sleep(0.1)


def csv_of(rows: list[str], header: str | None = None) -> bytes:
    return ("\n".join(([header] if header else []) + rows) + "\n").encode()
