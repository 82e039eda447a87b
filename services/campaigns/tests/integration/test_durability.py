"""kill -9 of the campaigns service mid-dispatch loses no row and sends none twice: the
service runs as its own process (`python -m cpaas.campaigns`), the SMS connector and the
sandbox SMSC in this process speak real SMPP, and the SMSC's own log of what it received
is counted per row. The delivered count comes from the connector's receipts."""

import asyncio
import json
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

from cpaas.contracts import Channel
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.local.processes import spawn, stop
from cpaas.sandbox.app import build_app as sandbox_app
from cpaas.sandbox.settings import SandboxSettings
from cpaas.sms_connector.app import build_app as sms_app
from cpaas.sms_connector.settings import SmsConnectorSettings

from .conftest import World, csv_of

ROWS = 600
RATE = 100  # a second: 6 s of dispatch
# kill -9 once the campaign has recorded this many sent; the first kill lands while a batch
# is published but not yet recorded (the test holds the campaign row locked), the others anywhere
KILLS_AFTER_SENT = (100, 250, 400)
SMSC_PASSWORD = "localdev"
WAIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def campaigns_process(world: World, port: int, log_file: Path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CPAAS_")},
        "CPAAS_PG_DSN": world.pg.dsn,
        "CPAAS_KAFKA_BOOTSTRAP_SERVERS": world.kafka.bootstrap_servers,
        "CPAAS_KAFKA_TOPIC_PREFIX": world.kafka.topic_prefix,
        "CPAAS_CAMPAIGNS_HTTP_PORT": str(port),
        "CPAAS_CAMPAIGNS_INTERNAL_PORT": str(free_port()),
        "CPAAS_CAMPAIGNS_CAMPAIGN_RATE_PER_SECOND": str(RATE),
        "CPAAS_CAMPAIGNS_DISPATCH_TICK_SECONDS": "0.05",
        "CPAAS_CAMPAIGNS_WORK_POLL_SECONDS": "0.2",
    }
    return spawn([sys.executable, "-m", "cpaas.campaigns"], env=env, log_file=log_file, death_signal=signal.SIGKILL)


@asynccontextmanager
async def carrier(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox SMSC and the SMS connector bound to it; yields a client of the sandbox API."""
    sandbox = sandbox_app(
        SandboxSettings(smpp_port=0, smpp_password=SMSC_PASSWORD, receipt_delay_seconds=0.2, serve_channel_apis=False)
    )
    async with sandbox.router.lifespan_context(sandbox):
        connector = sms_app(
            SmsConnectorSettings(
                kafka=world.kafka,
                postgres=world.pg,
                smpp_port=sandbox.state.smsc.port,
                password=SMSC_PASSWORD,
                shutdown_grace_seconds=5,
            )
        )
        async with connector.router.lifespan_context(connector):
            transport = httpx.ASGITransport(app=sandbox)
            async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
                yield client


async def until_up(client: httpx.AsyncClient) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


async def campaign(client: httpx.AsyncClient, world: World, campaign_id: int) -> dict:
    response = await client.get(f"/api/v1/campaigns/{campaign_id}", headers=world.headers())
    assert response.status_code == 200, response.text
    return response.json()


async def until(client, world, campaign_id, done, what: str) -> dict:
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            current = await campaign(client, world, campaign_id)
            if done(current):
                return current
            await asyncio.sleep(0.1)
    raise AssertionError(what)  # pragma: no cover


async def republished(world: World) -> int:
    """Rows published more than once to msg.submit.sms (a kill between publish and record)."""
    consumer = AIOKafkaConsumer(
        world.kafka.topic(SUBMIT_TOPICS[Channel.SMS].name),
        bootstrap_servers=world.kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        ids: Counter = Counter()
        while batches := await consumer.getmany(timeout_ms=1000):
            for records in batches.values():
                ids.update(json.loads(r.value)["data"]["messageId"] for r in records)
    finally:
        await consumer.stop()
    return sum(n - 1 for n in ids.values())


async def test_killing_the_service_mid_dispatch_loses_no_row_and_sends_none_twice(world: World, tmp_path: Path) -> None:
    recipients = [f"+91987{600000 + i:07d}"[:13] for i in range(ROWS)]
    content = csv_of([f"{r},{i:06d},5" for i, r in enumerate(recipients)])
    port = free_port()
    log_file = tmp_path / "campaigns.log"
    async with carrier(world) as sandbox, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        campaign_id = None
        for kill_after in KILLS_AFTER_SENT:
            proc = campaigns_process(world, port, log_file)
            try:
                await until_up(http)
                if campaign_id is None:
                    created = await http.post(
                        "/api/v1/campaigns",
                        data=world.sms_form("survives_kill_9"),
                        files={"file": ("list.csv", content, "text/csv")},
                        headers=world.headers(),
                    )
                    assert created.status_code == 201, created.text
                    campaign_id = created.json()["id"]
                await until(http, world, campaign_id, lambda c, n=kill_after: c["sent"] >= n, "sending")
                if kill_after == KILLS_AFTER_SENT[0]:
                    async with recording_blocked(world, campaign_id):
                        await asyncio.sleep(0.5)  # the next batch is published; its record waits for the lock
                        proc.send_signal(signal.SIGKILL)
                        proc.wait(10)
                else:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(10)
            finally:
                stop(proc)
            assert await fetch_sent(world, campaign_id) < ROWS
        proc = campaigns_process(world, port, log_file)
        try:
            await until_up(http)
            done = await until(
                http, world, campaign_id, lambda c: c["status"] == "COMPLETED", "completed after restart"
            )
            assert (done["sent"], done["processed"]) == (ROWS, ROWS)
            delivered = await until(http, world, campaign_id, lambda c: c["delivered"] == ROWS, "all delivered")
        finally:
            stop(proc)
        received = (await sandbox.get("/sandbox/smsc/messages", params={"limit": 10_000})).json()["messages"]
    per_row = Counter("+" + m["recipient"].lstrip("+") for m in received)
    assert set(per_row) == set(recipients)  # no row lost
    assert max(per_row.values()) == 1, [r for r, n in per_row.items() if n > 1][:5]  # none sent twice
    assert delivered["undelivered"] == 0 and delivered["failed"] == 0
    again = await republished(world)
    assert again >= 1  # the first kill left a published batch unrecorded: it was published again
    print(f"\n[durability] {len(KILLS_AFTER_SENT)} kill -9, {again} rows published again, each sent once")


@asynccontextmanager
async def recording_blocked(world: World, campaign_id: int) -> AsyncIterator[None]:
    """Hold the campaign's row locked: a dispatcher can publish a batch but not record it."""
    conn = await asyncpg.connect(world.pg.dsn)
    try:
        async with conn.transaction():
            await conn.execute("SELECT 1 FROM campaigns.campaigns WHERE id = $1 FOR UPDATE", campaign_id)
            yield
    finally:
        await conn.close()


async def fetch_sent(world: World, campaign_id: int) -> int:
    return (await world.sql("SELECT sent FROM campaigns.campaigns WHERE id = $1", campaign_id))[0]["sent"]
