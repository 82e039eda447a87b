"""Billing figures.

Charges applied per second from the status stream, for one hot account and spread over
1,000 accounts: N SUBMITTED_OPERATOR events (plus a share of duplicates, as a
redelivering connector would send) are published to msg.status of a bench topic
prefix first; then the billing service starts as its own process (as in `make run`)
and the clock runs until all N ledger rows exist. Then: count(ledger) = N, the sum of
the charges and of the balances = N x the SMS segment price, every balance equals its
ledger, the billing group has consumed every record (duplicates included) and
billing.charged holds N events: no double charge.

Runs against the test servers (`make test-infra`, or started here), each figure with a
database and a topic prefix of its own. One function per figure; `main` prints them.

Run: uv run python bench/billing.py [--charges 100000] [--duplicates 0.02]
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import BILLING_CHARGED, MSG_STATUS
from cpaas.local.infra import LocalInfra
from cpaas.local.processes import spawn, stop, wait_for_port
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.kafka_admin import ensure_topics
from cpaas.platform.settings import KafkaSettings, PostgresSettings

BILLING_PORT = 18082
SMS_SEGMENT_PRICE = 25  # the default price list's SMS_SEGMENT, in paise
TARGET_CHARGES = 5_000  # the aim, charges/s
LOCAL_INFRA_TX_PER_CHARGE = 1_700  # LOCAL-INFRA.md: one transaction per charge on a hot balance row
PUBLISH_CHUNK = 10_000
WAIT_SECONDS = 300
POLL_SECONDS = 0.1


class BenchBilling:
    """A database and topic prefix of one figure's own, and its billing process."""

    def __init__(self, infra: LocalInfra, logdir: Path) -> None:
        self.infra = infra
        self.tag = f"benchbill{uuid.uuid4().hex[:8]}"
        self.kafka = KafkaSettings(bootstrap_servers=infra.settings.kafka_bootstrap, topic_prefix=f"{self.tag}.")
        self.pg = PostgresSettings(dsn=infra.postgres.admin_dsn(self.tag))
        self.logdir = logdir
        self.proc: subprocess.Popen | None = None

    async def prepare(self) -> None:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'CREATE DATABASE "{self.tag}"')
        await admin.close()
        await ensure_topics(self.kafka)

    def start(self) -> None:
        env = {
            **os.environ,
            "CPAAS_PG_DSN": self.pg.dsn,
            "CPAAS_KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "CPAAS_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
            "CPAAS_BILLING_HTTP_PORT": str(BILLING_PORT),
            "CPAAS_BILLING_LOG_LEVEL": "WARNING",
        }
        self.proc = spawn([sys.executable, "-m", "cpaas.billing"], env=env, log_file=self.logdir / f"{self.tag}.log")
        wait_for_port(BILLING_PORT, 60, self.proc, "billing")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=20)
            self.proc = None

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'DROP DATABASE IF EXISTS "{self.tag}" WITH (FORCE)')
        await admin.close()


def status_events(charges: int, accounts: int, duplicates: float) -> list[MessageStatusChangedV1]:
    now = datetime.now(UTC)
    events = [
        MessageStatusChangedV1(
            message_id=(message_id := new_message_id()),
            account_id=1 + n % accounts,
            channel=Channel.SMS,
            attempt=1,
            status=MessageStatus.SUBMITTED_OPERATOR,
            recipient="+919876543210",
            occurred_at=now,
            carrier_message_id=f"smsc-{message_id[-10:]}",
            segments=1,
        )
        for n in range(charges)
    ]
    # a connector that crashed before committing sends some of its events again
    step = max(1, round(1 / duplicates)) if duplicates > 0 else 0
    return events + (events[::step] if step else [])


async def publish(kafka: KafkaSettings, events: list[MessageStatusChangedV1]) -> float:
    broker = make_broker(kafka, client_id="bench-publisher")
    await broker.start()
    started = time.perf_counter()
    try:
        publisher = EventPublisher(broker, kafka, source="bench")
        for i in range(0, len(events), PUBLISH_CHUNK):
            chunk = events[i : i + PUBLISH_CHUNK]
            await publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in chunk)
    finally:
        await broker.stop()
    return len(events) / (time.perf_counter() - started)


async def end_offsets(kafka: KafkaSettings, topic: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    await consumer.start()
    try:
        [described] = await admin.describe_topics([topic])
        return await consumer.end_offsets([TopicPartition(topic, p["partition"]) for p in described["partitions"]])
    finally:
        await consumer.stop()
        await admin.close()


async def wait_consumed(kafka: KafkaSettings, group: str) -> None:
    """Until `group` has committed every record of msg.status (duplicates included)."""
    ends = await end_offsets(kafka, kafka.topic(MSG_STATUS.name))
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            committed = await admin.list_consumer_group_offsets(group)
            if all(committed.get(tp) is not None and committed[tp].offset >= end for tp, end in ends.items()):
                return
            await asyncio.sleep(POLL_SECONDS)
        raise SystemExit("billing did not consume msg.status in time")
    finally:
        await admin.close()


async def wait_for_ledger(conn: asyncpg.Connection, charges: int) -> tuple[float, float]:
    """(first row seen, all rows there), perf_counter times, polling count(*)."""
    first = None
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        count = await conn.fetchval("SELECT count(*) FROM billing.ledger WHERE kind = 'CHARGE'")
        now = time.perf_counter()
        if count and first is None:
            first = now
        if count >= charges:
            return first or now, now
        await asyncio.sleep(POLL_SECONDS)
    raise SystemExit(f"only {count} of {charges} charges after {WAIT_SECONDS}s")


async def verify(conn: asyncpg.Connection, charges: int) -> dict:
    ledger = await conn.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT (message_id, attempt)) AS attempts, -sum(amount_minor)::bigint AS total,"
        " extract(epoch FROM max(created_at) - min(created_at)) AS spread_seconds"
        " FROM billing.ledger WHERE kind = 'CHARGE'"
    )
    balances = await conn.fetchval("SELECT -sum(balance_minor)::bigint FROM billing.balances")
    mismatched = await conn.fetchval(
        "SELECT count(*) FROM billing.balances b LEFT JOIN (SELECT account_id, sum(amount_minor) AS s"
        " FROM billing.ledger GROUP BY account_id) l USING (account_id) WHERE b.balance_minor <> coalesce(l.s, 0)"
    )
    expected = charges * SMS_SEGMENT_PRICE
    ok = ledger["n"] == ledger["attempts"] == charges and ledger["total"] == balances == expected and not mismatched
    return {
        "ok": ok,
        "rows": ledger["n"],
        "sum": ledger["total"],
        "balances": balances,
        "expected": expected,
        "mismatched_accounts": mismatched,
    }


async def charges_figure(infra: LocalInfra, logdir: Path, *, accounts: int, charges: int, duplicates: float) -> dict:
    """Charges/s from msg.status for `charges` events over `accounts` accounts."""
    bench = BenchBilling(infra, logdir)
    await bench.prepare()
    try:
        events = status_events(charges, accounts, duplicates)
        publish_rate = await publish(bench.kafka, events)
        spawned = time.perf_counter()
        bench.start()
        conn = await asyncpg.connect(bench.pg.dsn)
        try:
            first, done = await wait_for_ledger(conn, charges)
            await wait_consumed(bench.kafka, "billing")
            checks = await verify(conn, charges)
        finally:
            await conn.close()
        batches = batch_metrics()
        charged_events = sum((await end_offsets(bench.kafka, bench.kafka.topic(BILLING_CHARGED.name))).values())
        checks["ok"] = checks["ok"] and charged_events == charges
        return {
            "accounts": accounts,
            "charges": charges,
            "records": len(events),
            "publish_per_s": publish_rate,
            "charges_per_s": charges / (done - first),
            "with_startup_per_s": charges / (done - spawned),
            "startup_seconds": first - spawned,
            "charged_events": charged_events,
            **batches,
            **checks,
        }
    finally:
        bench.stop()
        await bench.drop()


def batch_metrics() -> dict:
    """Mean batch size and seconds from the billing process's /metrics."""
    text = httpx.get(f"http://127.0.0.1:{BILLING_PORT}/metrics", timeout=5).text
    values = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in (
            "cpaas_billing_batch_size_sum",
            "cpaas_billing_batch_size_count",
            "cpaas_billing_batch_seconds_sum",
        ):
            values[name] = float(value)
    batches = values.get("cpaas_billing_batch_size_count") or 1
    return {
        "batches": int(batches),
        "mean_batch": values.get("cpaas_billing_batch_size_sum", 0) / batches,
        "mean_batch_ms": values.get("cpaas_billing_batch_seconds_sum", 0) / batches * 1000,
    }


def print_charges(result: dict) -> None:
    who = "one hot account" if result["accounts"] == 1 else f"spread over {result['accounts']:,} accounts"
    rate = result["charges_per_s"]
    print(
        f"\nbilling charges from msg.status, {who}: {result['charges']:,} charges"
        f" ({result['records']:,} records incl. duplicates), one billing process"
    )
    print(f"  charges applied/s    {rate:>10,.0f}   aim {TARGET_CHARGES:,}   ratio {rate / TARGET_CHARGES:.2f}")
    print(
        f"  vs LOCAL-INFRA one tx per charge {LOCAL_INFRA_TX_PER_CHARGE:,}/s: ratio {rate / LOCAL_INFRA_TX_PER_CHARGE:.2f}"
    )
    print(
        f"  incl. process start and group join ({result['startup_seconds']:.1f}s): "
        f"{result['with_startup_per_s']:,.0f}/s; events published beforehand at {result['publish_per_s']:,.0f}/s"
    )
    print(
        f"  batches {result['batches']:,}, mean {result['mean_batch']:,.0f} events in {result['mean_batch_ms']:.1f} ms"
    )
    verdict = "OK, no double charge" if result["ok"] else "FAILED"
    print(
        f"  check: ledger rows {result['rows']:,}, charged {result['sum']:,} = balances {result['balances']:,}"
        f" (expected {result['expected']:,}), accounts off {result['mismatched_accounts']},"
        f" billing.charged events {result['charged_events']:,}: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charges", type=int, default=100_000, help="distinct attempts to charge per figure")
    parser.add_argument("--duplicates", type=float, default=0.02, help="share of events published twice")
    args = parser.parse_args()
    infra = LocalInfra(infra_settings_for_tests())
    infra.start(reuse=True)
    logdir = Path(tempfile.mkdtemp(prefix="cpaas-bench-billing-"))
    failed = False
    try:
        for accounts in (1, 1_000):
            result = asyncio.run(
                charges_figure(infra, logdir, accounts=accounts, charges=args.charges, duplicates=args.duplicates)
            )
            print_charges(result)
            failed |= not result["ok"]
    finally:
        infra.stop()
        print(f"\nservice logs: {logdir}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
