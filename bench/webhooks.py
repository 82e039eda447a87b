"""Webhook receipts per second from one webhooks process to a local receiver.

1. Dispatch: N receipts are inserted as due rows of webhooks.deliveries (all falling due
   at one instant), and the clock runs until every one is DELIVERED: signed POSTs over
   keep-alive connections to a receiver on loopback, each attempt recorded in
   webhooks.attempts. Printed: the wall-clock rate from the due instant, and the rate
   over the span between the first attempt and the last delivery in the database.
2. End to end (unless --skip-e2e): N DELIVERED status events are published to msg.status
   and the clock runs from the first publish until every receipt is DELIVERED
   (consumer, insert, claim, POST, record).

The receiver is a raw asyncio HTTP/1.1 server (uvloop, keep-alive, 200 to every POST) in
a subprocess of its own, so it costs the dispatcher as little as possible; it counts
the requests and the bench checks that every receipt arrived. The webhooks service runs
as its own process, as in `make run`, against the test servers (a bench database and a
bench topic prefix of their own).

Each dispatch run is repeated (--runs, median printed): on a small shared machine one run
can differ from the next by a factor of two.

Run: uv run python bench/webhooks.py [--receipts 30000] [--runs 3] [--skip-e2e]
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from cpaas.console.seed import seed
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, new_message_id
from cpaas.contracts.topics import MSG_STATUS
from cpaas.local.infra import LocalInfra
from cpaas.local.processes import spawn, stop, wait_for_port
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.kafka_admin import ensure_topics
from cpaas.platform.settings import KafkaSettings, PostgresSettings

WEBHOOKS_PORT, RECEIVER_PORT = 18089, 18990
TARGET_PER_SECOND = 5_000
PUBLISH_CHUNK = 2_000

INSERT_DUE = """
INSERT INTO webhooks.deliveries (event_id, account_id, message_id, message_attempt, message_status, url, payload,
                                 next_attempt_at)
SELECT $1 || i, $2, $1 || 'msg' || i, 1, 'DELIVERED', $3,
       jsonb_build_object('messageId', $1 || 'msg' || i, 'recipient', '+919876543210', 'status', 'DELIVERED',
                          'channel', 'SMS', 'deliveredAt', '2025-03-06T14:30:00.000Z', 'eventId', $1 || i),
       $5
FROM generate_series(1, $4) AS i
"""


# -- the receiver (runs in its own process: `python bench/webhooks.py --receiver PORT`) ----------------------------
def run_receiver(port: int) -> None:
    import uvloop

    ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"
    count = [0]

    class Receiver(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                head = self.buffer[:end].lower()
                length = 0
                for line in head.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line[15:])
                if len(self.buffer) < end + 4 + length:
                    return
                self.buffer = self.buffer[end + 4 + length :]
                if head.startswith(b"get /count"):
                    body = str(count[0]).encode()
                    self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
                else:
                    count[0] += 1
                    self.transport.write(ok)

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Receiver, "127.0.0.1", port, backlog=1024)
        await server.serve_forever()

    uvloop.run(serve())


# -- the bench ---------------------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, infra: LocalInfra) -> None:
        self.infra = infra
        self.tag = f"bench{uuid.uuid4().hex[:8]}"
        self.kafka = KafkaSettings(bootstrap_servers=infra.settings.kafka_bootstrap, topic_prefix=f"{self.tag}.")
        self.pg = PostgresSettings(dsn=infra.postgres.admin_dsn(self.tag))
        self.procs: list[subprocess.Popen] = []
        self.logdir = Path(tempfile.mkdtemp(prefix="cpaas-bench-webhooks-"))
        self.url = f"http://127.0.0.1:{RECEIVER_PORT}/hooks/dlr"

    async def prepare(self) -> dict:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'CREATE DATABASE "{self.tag}"')
        await admin.close()
        await ensure_topics(self.kafka)
        creds = await seed(self.pg, self.logdir / "creds.json")
        conn = await asyncpg.connect(self.pg.dsn)
        await conn.execute("UPDATE console.accounts SET webhook_url = $1 WHERE id = $2", self.url, creds["accountId"])
        await conn.close()
        return creds

    def start(self, args: list[str], port: int, name: str, **env: str) -> None:
        environment = {
            **os.environ,
            "CPAAS_PG_DSN": self.pg.dsn,
            "CPAAS_KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "CPAAS_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
            "CPAAS_LOG_LEVEL": "WARNING",
            "CPAAS_WEBHOOKS_LOG_LEVEL": "WARNING",
            **env,
        }
        proc = spawn([sys.executable, *args], env=environment, log_file=self.logdir / f"{name}.log")
        self.procs.append(proc)
        wait_for_port(port, 60, proc, name)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            stop(proc, timeout=20)
        self.procs.clear()

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'DROP DATABASE IF EXISTS "{self.tag}" WITH (FORCE)')
        await admin.close()


async def received() -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(f"http://127.0.0.1:{RECEIVER_PORT}/count")).text)


async def service_figures() -> dict[str, float]:
    """Sums and counts of the service's claim and record histograms, from its /metrics."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"http://127.0.0.1:{WEBHOOKS_PORT}/metrics")).text
    figures = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name.startswith(("cpaas_webhooks_claim", "cpaas_webhooks_record")) and name.endswith(("_sum", "_count")):
            figures[name] = float(value)
    return figures


def describe(before: dict[str, float], after: dict[str, float]) -> str:
    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    rounds = delta("cpaas_webhooks_claim_seconds_count") or 1
    records = delta("cpaas_webhooks_record_seconds_count") or 1
    return (
        f"{rounds:,.0f} claim rounds of {delta('cpaas_webhooks_claimed_sum') / rounds:.1f} receipts,"
        f" {delta('cpaas_webhooks_claim_seconds_sum') / rounds * 1000:.1f} ms each;"
        f" {records:,.0f} result writes, {delta('cpaas_webhooks_record_seconds_sum') / records * 1000:.1f} ms each"
    )


async def wait_delivered(conn: asyncpg.Connection, limit_seconds: float = 300) -> float:
    """perf_counter() once no receipt is left PENDING (a look through the queue's partial index)."""
    deadline = time.perf_counter() + limit_seconds
    while time.perf_counter() < deadline:
        if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM webhooks.deliveries WHERE status = 'PENDING')"):
            return time.perf_counter()
        await asyncio.sleep(0.02)
    raise SystemExit("timed out waiting for the receipts to be delivered")


async def dispatch_bench(bench: Bench, creds: dict, n: int) -> dict:
    conn = await asyncpg.connect(bench.pg.dsn)
    try:
        prefix = f"d{uuid.uuid4().hex[:6]}-"
        before, figures = await received(), await service_figures()
        now = await conn.fetchval("SELECT now()")
        due = now.timestamp() + 3 + n / 50_000  # after the insert has surely committed
        await conn.execute(INSERT_DUE, prefix, creds["accountId"], bench.url, n, datetime.fromtimestamp(due, UTC))
        wait = due - (await conn.fetchval("SELECT now()")).timestamp()
        started = time.perf_counter() + wait
        await asyncio.sleep(max(0.0, wait))
        finished = await wait_delivered(conn)
        span = await conn.fetchrow(
            "SELECT min(a.started_at) AS first, max(d.delivered_at) AS last, max(d.attempts) AS most_attempts,"
            " count(*) FILTER (WHERE d.status = 'DELIVERED') AS delivered"
            " FROM webhooks.deliveries d JOIN webhooks.attempts a ON a.delivery_id = d.id WHERE d.event_id LIKE $1",
            prefix + "%",
        )
        got = await received() - before
        rounds = describe(figures, await service_figures())
    finally:
        await conn.close()
    db_seconds = (span["last"] - span["first"]).total_seconds()
    return {
        "receipts": n,
        "wall_per_s": n / (finished - started),
        "db_per_s": n / db_seconds,
        "received": got,
        "delivered": span["delivered"],
        "most_attempts": span["most_attempts"],
        "rounds": rounds,
    }


async def end_to_end_bench(bench: Bench, creds: dict, n: int) -> dict:
    broker = make_broker(bench.kafka, client_id=f"{bench.tag}-publisher")
    await broker.start()
    publisher = EventPublisher(broker, bench.kafka, source="bench")
    conn = await asyncpg.connect(bench.pg.dsn)
    try:
        before = await conn.fetchval("SELECT count(*) FROM webhooks.deliveries")
        events = [
            MessageStatusChangedV1(
                message_id=new_message_id(),
                account_id=creds["accountId"],
                channel=Channel.SMS,
                status=MessageStatus.DELIVERED,
                recipient="+919876543210",
                occurred_at=datetime.now(UTC),
            )
            for _ in range(n)
        ]
        started = time.perf_counter()
        for i in range(0, n, PUBLISH_CHUNK):
            await publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in events[i : i + PUBLISH_CHUNK])
        published = time.perf_counter()
        while True:  # every receipt queued (counted only once none is pending) and none pending
            finished = await wait_delivered(conn)
            done = await conn.fetchval("SELECT count(*) FROM webhooks.deliveries")
            if done - before >= n:
                break
            if time.perf_counter() - started > 300:
                raise SystemExit(f"timed out: {done - before} of {n} queued")
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
        await broker.stop()
    return {"receipts": n, "per_s": n / (finished - started), "publish_s": published - started}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--receipts", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--e2e-receipts", type=int, default=20_000)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        run_receiver(args.receiver)
        return
    infra = LocalInfra(infra_settings_for_tests())
    infra.start(reuse=True)
    bench = Bench(infra)
    try:
        creds = asyncio.run(bench.prepare())
        bench.start([__file__, "--receiver", str(RECEIVER_PORT)], RECEIVER_PORT, "receiver")
        bench.start(
            ["-m", "cpaas.webhooks"],
            WEBHOOKS_PORT,
            "webhooks",
            CPAAS_WEBHOOKS_HTTP_PORT=str(WEBHOOKS_PORT),
        )
        asyncio.run(dispatch_bench(bench, creds, min(2_000, args.receipts)))  # warm-up: connections, caches
        print(f"\nwebhooks, one process, {args.receipts:,} due receipts to a loopback receiver, {args.runs} runs:")
        results = []
        for run in range(1, args.runs + 1):
            result = asyncio.run(dispatch_bench(bench, creds, args.receipts))
            results.append(result)
            print(
                f"  run {run}: {result['wall_per_s']:>7,.0f}/s from due, {result['db_per_s']:>7,.0f}/s first attempt"
                f" to last delivery; {result['delivered']:,} DELIVERED, receiver counted {result['received']:,},"
                f" most attempts {result['most_attempts']}"
            )
            print(f"         {result['rounds']}")
        wall = statistics.median(r["wall_per_s"] for r in results)
        span = statistics.median(r["db_per_s"] for r in results)
        print(
            f"  median delivered/s {wall:>8,.0f} (from due)   target {TARGET_PER_SECOND:,}"
            f"   ratio {wall / TARGET_PER_SECOND:.2f};   {span:,.0f} (first attempt to last delivery)"
        )
        if not args.skip_e2e:
            e2e = asyncio.run(end_to_end_bench(bench, creds, args.e2e_receipts))
            print(f"\nend to end, {e2e['receipts']:,} DELIVERED status events published -> receipts DELIVERED:")
            print(f"  receipts/s {e2e['per_s']:>8,.0f}   (publishing alone took {e2e['publish_s']:.1f} s)")
    finally:
        bench.stop_all()
        asyncio.run(bench.drop())
        infra.stop()
        print(f"\nservice logs: {bench.logdir}")


if __name__ == "__main__":
    main()
