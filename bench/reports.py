"""Analytics at scale (issue 25): the message log loaded with COPY, the rollups built from
it, then p50/p99 of every chart query and of the Reports list with its filters; and the
reporting consumer's ingest rate from the status stream with and without the rollups.

Load: --messages (default 10,000,000) over 90 days and 200 accounts (volume per account
falls off as 1/sqrt(rank): the largest has ~14x the smallest), each a final row in
reporting.messages (channels, statuses, 3 sender IDs, a third of them in one of 20
campaigns, failures with 5 error codes). To load 10 M in minutes, not hours: the rows are
generated with numpy (a thread, a chunk ahead) as COPY text and COPY'd over --copy-workers
connections, with the log's primary key and 5 indexes dropped first and built after (two
at a time) and the rollup triggers off (session_replication_role = replica); then VACUUM
ANALYZE (what autovacuum does to a log this size) and `rebuild_rollups()`, which builds
every rollup level from the log. Raw limit printed next to it: the COPY rate itself.
--keep keeps the database; --database NAME runs the queries again over a kept one.

Queries (--samples per query, accounts drawn by volume, the largest always included; the
accounts' zones cycle through Asia/Kolkata, UTC, Europe/London, America/New_York and
Asia/Kathmandu): the Report Summary of 24h/7d/30d/90d, of 7d on one channel and of 90 days
by hour; Campaign Intelligence; the campaigns' delivery for 20 campaigns; the Reports list
(page 1 and its total) over 7 days and with status, channel and campaign filters. Raw
limit: `SELECT 1` latency.

Ingest: --events status events (plus one submit per 2 statuses) through Kafka to the real
reporting service (its app, consumer and batches), timed from the first row to the last,
once with the rollup triggers disabled (the log as before issue 25) and once enabled. Raw
limit: a bare aiokafka consumer reading the same topics.

Run: uv run --no-sync python bench/reports.py [--messages 1000000] [--events 60000]
"""

import argparse
import asyncio
import io
import logging
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
from bench_kit import drop_database, fresh_database, raw_consume_rate
from proc_stats import cpu_seconds

from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.local.infra import LocalInfra
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.message_log import MessageLogReader, ReportFilter, analytics
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool
from cpaas.platform.kafka_admin import delete_topics, ensure_topics
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.serve import tune_gc
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.reporting.app import MIGRATIONS, SCHEMA, build_app
from cpaas.reporting.settings import ReportingSettings

DAYS = 90
ACCOUNTS = 200
CHUNK = 250_000
WARMUP = 8  # untimed runs of each query first: one per pool connection
ZONES = ("Asia/Kolkata", "UTC", "Europe/London", "America/New_York", "Asia/Kathmandu")
CHANNELS = (("SMS", 0.6), ("WHATSAPP", 0.25), ("RCS", 0.1), ("VOICE", 0.05))
STATUSES = (
    ("DELIVERED", 0.62), ("READ", 0.12), ("UNDELIVERED", 0.08), ("FAILED", 0.06),
    ("SUBMITTED_OPERATOR", 0.07), ("SUBMITTED", 0.04), ("RETRYING", 0.01),
)  # fmt: skip
ERRORS = ("CARRIER_REJECTED", "CARRIER_UNDELIVERABLE", "CARRIER_EXPIRED", "NO_DELIVERY_RECEIPT", "RECEIPT_EXPIRED")
RANK = {
    "RETRYING": 0,
    "SUBMITTED": 1,
    "SUBMITTED_OPERATOR": 2,
    "DELIVERED": 3,
    "UNDELIVERED": 3,
    "FAILED": 3,
    "READ": 4,
}
COLUMNS = ("message_id", "created_at", "account_id", "recipient", "channel", "primary_channel", "status",
           "status_rank", "sender_id", "campaign_id", "error_code", "template_name")  # fmt: skip


def account_weights() -> list[float]:
    return [1 / (rank + 1) ** 0.5 for rank in range(ACCOUNTS)]


CROCKFORD = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)
TEXT_NULL = "\\N"


def _choice(rng: np.random.Generator, weighted: tuple, n: int) -> np.ndarray:
    values, weights = [v for v, _ in weighted], np.array([w for _, w in weighted])
    return np.array(values, dtype=object)[rng.choice(len(values), n, p=weights / weights.sum())]


def chunk_text(seed: int, index: int, n: int, start_ms: int) -> bytes:
    """Rows `index * CHUNK ...` of the log (its own seeded generator: the same rows whatever the
    order the chunks are made in) as COPY text, generated with numpy."""
    rng = np.random.default_rng([seed, index])
    weights = np.array(account_weights())
    accounts = rng.choice(ACCOUNTS, n, p=weights / weights.sum()) + 1
    span_ms = DAYS * 86_400_000
    ms = start_ms + rng.integers(0, span_ms, n)
    # more traffic by day than at night (IST), so the hour charts have a shape
    night = ((ms // 3_600_000 + 5) % 24 < 8) & (rng.random(n) < 0.5)
    ms[night] = start_ms + rng.integers(0, span_ms, int(night.sum()))
    chars = np.empty((n, 30), dtype=np.uint8)  # msg_ + ULID: 10 characters of the millisecond, 16 random
    chars[:, :4] = np.frombuffer(b"msg_", dtype=np.uint8)
    for i in range(10):
        chars[:, 4 + i] = CROCKFORD[(ms >> (5 * (9 - i))) & 31]
    chars[:, 14:] = CROCKFORD[rng.integers(0, 32, (n, 16))]
    ids = chars.view("S30").ravel().astype(str).tolist()
    created = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms").tolist()
    channels, statuses = _choice(rng, CHANNELS, n), _choice(rng, STATUSES, n)
    sms = channels == "SMS"
    senders = np.where(
        sms, np.char.add(np.char.add("BRAND", (accounts % 97).astype(str)), rng.integers(0, 3, n).astype(str)), ""
    ).tolist()
    campaigns = np.where(rng.random(n) < 0.33, accounts * 100 + rng.integers(0, 20, n), 0).tolist()
    failed = np.isin(statuses, ["FAILED", "UNDELIVERED"])
    errors = np.where(failed, np.array(ERRORS, dtype=object)[rng.integers(0, len(ERRORS), n)], "").tolist()
    recipients = rng.integers(0, 10**8, n).tolist()
    lines = [
        f"{i}\t{c}Z\t{a}\t+9198{r:08d}\t{ch}\t{ch}\t{st}\t{RANK[st]}\t{se or TEXT_NULL}\t{ca or TEXT_NULL}"
        f"\t{er or TEXT_NULL}\totp_alert\n"
        for i, c, a, r, ch, st, se, ca, er in zip(
            ids, created, accounts.tolist(), recipients, channels.tolist(), statuses.tolist(), senders, campaigns,
            errors, strict=True,
        )
    ]  # fmt: skip
    return "".join(lines).encode()


MESSAGES_INDEXES = """
SELECT c.relname AS name, pg_get_indexdef(c.oid) AS definition, con.conname AS constraint_name,
    pg_get_constraintdef(con.oid) AS constraint_definition
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
WHERE i.indrelid = 'reporting.messages'::regclass
"""


async def load(pg: PostgresSettings, n: int, seed: int, workers: int) -> tuple[datetime, list[int], list[float]]:
    """COPY `n` rows into the log: its primary key and 5 indexes dropped first and built after
    (one build per index, `workers` at a time), the rollup triggers off during the COPY
    (session_replication_role = replica), `workers` COPY connections fed by a numpy generator;
    then VACUUM ANALYZE (what autovacuum does to a log this size: the Reports counts become
    index-only) and `rebuild_rollups()` (every level, from the log)."""
    now = datetime.now(UTC)
    start = now - timedelta(days=DAYS)
    accounts, weights = list(range(1, ACCOUNTS + 1)), account_weights()
    pool = await create_pool(
        pg.model_copy(update={"pool_max_size": max(8, workers + 1)}), schema=SCHEMA, application_name="bench"
    )
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        days = sorted({(start + timedelta(days=d)).date() for d in range(DAYS + 2)})
        await pool.execute("SELECT ensure_day_partitions($1::date[])", days)
        indexes = await pool.fetch(MESSAGES_INDEXES)
        for index in indexes:
            if index["constraint_name"]:
                await pool.execute(f"ALTER TABLE messages DROP CONSTRAINT {index['constraint_name']}")
            else:
                await pool.execute(f"DROP INDEX {SCHEMA}.{index['name']}")
        chunks = -(-n // CHUNK)
        queue: asyncio.Queue = asyncio.Queue(maxsize=workers)
        gen_s = 0.0

        async def produce() -> None:
            nonlocal gen_s
            for index in range(chunks):
                t0 = time.perf_counter()
                text = await asyncio.to_thread(
                    chunk_text, seed, index, min(CHUNK, n - index * CHUNK), int(start.timestamp() * 1000)
                )
                gen_s += time.perf_counter() - t0
                await queue.put(text)
            for _ in range(workers):
                await queue.put(None)

        async def copy() -> None:
            async with pool.acquire() as conn:
                await conn.execute("SET session_replication_role = replica; SET synchronous_commit = off")
                while (text := await queue.get()) is not None:
                    await conn.copy_to_table("messages", source=io.BytesIO(text), columns=COLUMNS, schema_name=SCHEMA)
                await conn.execute("RESET session_replication_role; RESET synchronous_commit")

        t0 = time.perf_counter()
        await asyncio.gather(produce(), *(copy() for _ in range(workers)))
        copy_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        pending = list(indexes)

        async def build() -> None:
            async with pool.acquire() as conn:
                await conn.execute("SET maintenance_work_mem = '256MB'")
                while pending:
                    index = pending.pop(0)
                    if index["constraint_name"]:
                        await conn.execute(
                            f"ALTER TABLE messages ADD CONSTRAINT {index['constraint_name']} {index['constraint_definition']}"
                        )
                    else:  # the partitioned index and every partition's ("ON ONLY" would build none)
                        await conn.execute(index["definition"].replace(" ON ONLY ", " ON "))

        await asyncio.gather(*(build() for _ in range(workers)))
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await pool.execute("VACUUM ANALYZE messages")
        vacuum_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        async with pool.acquire() as conn:
            await conn.execute("SET work_mem = '256MB'")
            written = await conn.fetchval("SELECT rebuild_rollups()")
        rebuild_s = time.perf_counter() - t0
        await pool.execute(
            "VACUUM ANALYZE rollups, rollup_totals, rollup_quarters, rollup_halves, rollup_hours, rollup_days,"
            " rollup_day_details,"
            " rollup_campaigns"
        )
        print(
            f"load: {n:,} messages, {ACCOUNTS} accounts, {DAYS} days: COPY {copy_s:.1f} s = {n / copy_s:,.0f} rows/s"
            f" ({workers} COPY connections, no indexes, triggers off; generating them with numpy {gen_s:.1f} s of it"
            f" in a thread); primary key and 5 indexes built after in {index_s:.1f} s; VACUUM ANALYZE {vacuum_s:.1f} s;"
            f" rollups (every level) rebuilt from the log in {rebuild_s:.1f} s: {written:,} 15-minute rollup rows"
            f" ({n / written:.1f} messages per row); load total {copy_s + index_s + vacuum_s + rebuild_s:.0f} s"
        )
        levels = await pool.fetch(
            "SELECT 'rollup_quarters' AS t, count(*) FROM rollup_quarters UNION ALL SELECT 'rollup_halves', count(*)"
            " FROM rollup_halves UNION ALL SELECT 'rollup_hours', count(*)"
            " FROM rollup_hours UNION ALL SELECT 'rollup_days', count(*) FROM rollup_days"
            " UNION ALL SELECT 'rollup_day_details', count(*) FROM rollup_day_details"
        )
        print("levels: " + ", ".join(f"{r['t']} {r['count']:,} rows" for r in levels))
    finally:
        await pool.close()
    return now, accounts, weights


async def without_half_hours(query):
    """`query` planned as before migration 0010 (days, hours, 15 minutes: no 30-minute level),
    for a before/after of the same run; `plan` is called before the query's first await."""
    defaults = analytics.plan.__defaults__
    analytics.plan.__defaults__ = ((), (analytics.QUARTER, analytics.HOUR, analytics.DAY))
    try:
        task = asyncio.ensure_future(query)
        await asyncio.sleep(0)
    finally:
        analytics.plan.__defaults__ = defaults
    return await task


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(samples: int, make, warmup: int = 0) -> tuple[float, float]:
    """p50 and p99 of `samples` runs after `warmup` untimed ones (a pool connection's first run
    of a statement prepares it and plans it over 90 day partitions: not what a page sees once
    the service is up)."""
    for i in range(warmup):
        await make(i)
    took = []
    for i in range(samples):
        t0 = time.perf_counter()
        await make(i)
        took.append((time.perf_counter() - t0) * 1000)
    return statistics.median(took), pct(took, 0.99)


async def queries(pg: PostgresSettings, now: datetime, accounts: list[int], weights: list[float], samples: int) -> None:
    pool = await create_pool(pg, schema=SCHEMA, application_name="bench")
    rng = random.Random(7)
    picks = [accounts[0], *rng.choices(accounts, weights, k=samples - 1)]  # the largest account first

    def zone(account: int) -> str:
        return ZONES[account % len(ZONES)]

    reader = MessageLogReader(pool)
    tune_gc()  # as the console and the gateway (serve.run) do once started: else gen-2 collections are the p99
    try:
        async with pool.acquire() as conn:
            sizes = await conn.fetch(
                "SELECT account_id, sum(messages) AS n FROM rollup_days GROUP BY 1 ORDER BY 2 DESC"
            )
        print(f"accounts: largest {sizes[0]['n']:,} messages, smallest {sizes[-1]['n']:,}")
        raw = await timed(samples, lambda i: pool.fetchval("SELECT 1"))
        print(f"raw limit: SELECT 1 through the pool p50 {raw[0]:.2f} ms p99 {raw[1]:.2f} ms")
        cases = {}
        for name, span in (("24h", timedelta(hours=24)), ("7d", timedelta(days=7)), ("30d", timedelta(days=30)),
                           ("90d", timedelta(days=90))):  # fmt: skip
            cases[f"summary {name}"] = lambda i, span=span: analytics.summary(
                pool, picks[i], zone(picks[i]), now - span, now
            )
        cases["summary 7d channel=SMS"] = lambda i: analytics.summary(
            pool, picks[i], zone(picks[i]), now - timedelta(days=7), now, None, "SMS"
        )
        cases["summary 90d hourly"] = lambda i: analytics.summary(
            pool, picks[i], zone(picks[i]), now - timedelta(days=90), now, "hour"
        )
        for name in ("Asia/Kolkata", "Asia/Kathmandu"):  # the half-hour zones' accounts only, by volume
            mine = [a for a in accounts if zone(a) == name]
            in_zone = [mine[0], *rng.choices(mine, [weights[a - 1] for a in mine], k=samples - 1)]
            for label, plan in (("", lambda q: q), (", no 30-min", without_half_hours)):
                cases[f"summary 90d hourly {name}{label}"] = lambda i, in_zone=in_zone, plan=plan: plan(
                    analytics.summary(pool, in_zone[i], zone(in_zone[i]), now - timedelta(days=90), now, "hour")
                )
        cases["intelligence (30 d)"] = lambda i: analytics.intelligence(pool, picks[i], zone(picks[i]), now)
        cases["campaign delivery x20"] = lambda i: analytics.campaign_delivery(
            pool, picks[i], [picks[i] * 100 + c for c in range(20)]
        )
        week = now - timedelta(days=7)
        reports = {
            "reports 7d": {},
            "reports 7d status=FAILED": {"status": "FAILED"},
            "reports 7d channel=WHATSAPP": {"channel": "WHATSAPP"},
            "reports 90d campaign": {"campaign": True, "since": now - timedelta(days=90)},
            "reports 90d status=DELIVERED": {"status": "DELIVERED", "since": now - timedelta(days=90)},
        }
        for name, f in reports.items():

            def page(i, f=f):
                account = picks[i]
                flt = ReportFilter(
                    account,
                    status=f.get("status"),
                    channel=f.get("channel"),
                    campaign_id=account * 100 + 3 if f.get("campaign") else None,
                    created_from=f.get("since", week),
                    created_to=now,
                )
                return reader.page(flt, page=1, page_size=20)

            cases[name] = page
        worst = 0.0
        for name, make in cases.items():
            p50, p99 = await timed(samples, make, warmup=WARMUP)
            worst = max(worst, p99)
            print(
                f"{name:32s} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   (raw SELECT 1: p50 {raw[0]:.2f} p99 {raw[1]:.2f})"
            )
        print(f"worst p99 {worst:.1f} ms (aim < 100 ms)")
    finally:
        await pool.close()


def stream(n_events: int, seed: int) -> list[tuple[str, object, str]]:
    """Per message: its submit, SUBMITTED_OPERATOR, then DELIVERED (or UNDELIVERED): 2 statuses each."""
    rng = random.Random(seed)
    items = []
    now = datetime.now(UTC)
    for n in range(n_events // 2):
        message_id = new_message_id()
        account = 1 + n % 50
        common = {"message_id": message_id, "account_id": account, "recipient": f"+9198{n:08d}"}
        items.append(
            (
                SUBMIT_TOPICS[Channel.SMS].name,
                MessageSubmittedV1(
                    **common, channel=Channel.SMS, template_id=1, template_name="otp", sender_id="BRAND",
                    campaign_id=7 if n % 3 == 0 else None, submitted_at=now, variables={},
                ),
                message_id,
            )
        )  # fmt: skip
        for status in (
            MessageStatus.SUBMITTED_OPERATOR,
            rng.choice((MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)),
        ):
            error = {"error_code": "CARRIER_UNDELIVERABLE"} if status is MessageStatus.UNDELIVERED else {}
            items.append(
                (MSG_STATUS.name, MessageStatusChangedV1(**common, channel=Channel.SMS, status=status, occurred_at=now, **error), message_id)
            )  # fmt: skip
    return items


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (not idle or waiting on I/O), /proc/stat."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def backend_cpu_seconds(pool, database: str) -> float:
    """CPU seconds of the PostgreSQL backends connected to `database` (the service's pool), from /proc."""
    pids = [r["pid"] for r in await pool.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)]
    return cpu_seconds(pids)


async def ingest_once(infra: LocalInfra, n_events: int, seed: int, rollups: bool) -> dict[str, float]:
    pg = await fresh_database(infra, "bench_reports")
    kafka = KafkaSettings(
        bootstrap_servers=infra.settings.kafka_bootstrap,
        topic_prefix=f"benchrep{uuid.uuid4().hex[:6]}.",
        default_partitions=6,
    )
    await ensure_topics(kafka)
    items = stream(n_events, seed)
    broker = make_broker(kafka, client_id="bench-reports")
    await broker.start()
    try:
        await EventPublisher(broker, kafka, source="bench").publish_many(items)
    finally:
        await broker.stop()
    statuses = sum(1 for topic, _, _ in items if topic == MSG_STATUS.name)
    raw = await raw_consume_rate(kafka, [MSG_STATUS.name, SUBMIT_TOPICS[Channel.SMS].name], len(items))
    pool = await create_pool(pg, schema=SCHEMA, application_name="bench")
    await apply_migrations(pool, SCHEMA, MIGRATIONS)
    if not rollups:
        for trigger in ("insert", "update", "delete"):
            await pool.execute(f"ALTER TABLE messages DISABLE TRIGGER messages_rollups_{trigger}")
    app = build_app(ReportingSettings(kafka=kafka, postgres=pg), db=pool)  # the service's defaults
    final = ("DELIVERED", "UNDELIVERED")
    database = pg.dsn.rsplit("/", 1)[-1].split("?")[0]
    try:
        async with app.router.lifespan_context(app):
            tune_gc()  # as cpaas.platform.serve.run does once a service has started
            first_at = first_done = None
            while True:
                await asyncio.sleep(0.1)
                done = await pool.fetchval("SELECT count(*) FROM messages WHERE status = ANY($1)", list(final))
                if first_at is None and done:
                    first_at, first_done = time.perf_counter(), done
                    first_cpu, first_busy = time.process_time(), machine_busy_seconds()
                    first_pg = await backend_cpu_seconds(pool, database)
                if done >= len(items) // 3:
                    break
            elapsed = time.perf_counter() - first_at
            cpu, busy = time.process_time() - first_cpu, machine_busy_seconds() - first_busy
            pg_cpu = await backend_cpu_seconds(pool, database) - first_pg
        if rollups:
            scan = await pool.fetchval("SELECT count(*) FROM messages")
            rolled = await pool.fetchval("SELECT sum(messages) FROM rollups")
            assert scan == rolled, (scan, rolled)
        share = 1 - first_done / (len(items) // 3)
        timed_statuses = statuses * share
        return {
            "rate": timed_statuses / elapsed,
            "raw": raw,
            "cpu_us": cpu / timed_statuses * 1e6,
            "pg_us": pg_cpu / timed_statuses * 1e6,
            "busy_us": busy / timed_statuses * 1e6,
            "cores": busy / elapsed,
        }
    finally:
        await pool.close()
        await delete_topics(kafka)
        await drop_database(infra, pg)


INGEST_CASES = {"without rollups (before)": False, "with rollups (every level)": True}


async def ingest(infra: LocalInfra, n_events: int, seed: int, cases: list[str]) -> None:
    """The service's defaults (its poll size and chunks); CPU per status event timed over the
    same window as the rate: the consumer's process (this one: the bench only polls a count),
    its PostgreSQL backends, and the whole machine (Kafka, PostgreSQL, this process, the rest)."""
    for label, rollups in INGEST_CASES.items():
        if cases and not any(c in label for c in cases):
            continue
        r = await ingest_once(infra, n_events, seed, rollups)
        rate = r["rate"]
        print(
            f"ingest {label:27s}: {rate:,.0f} status events/s through the reporting consumer"
            f" ({n_events:,} statuses + {n_events // 2:,} submits); raw limit (bare aiokafka consumer): {r['raw']:,.0f}"
            f" records/s; CPU per status event: the consumer's process {r['cpu_us']:.1f} us, its PostgreSQL backends"
            f" {r['pg_us']:.1f} us, the whole machine {r['busy_us']:.1f} us ({r['cores']:.2f} of {os.cpu_count()} cores"
            f" busy); load average {os.getloadavg()[0]:.1f}"
        )
        if rate == 0:
            raise SystemExit(
                "every message was written before the first timed poll: too few events to time; raise --events"
            )


async def main(infra: LocalInfra, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    if args.database:  # the queries again over a database an earlier --keep run loaded
        pg = PostgresSettings(dsn=infra.postgres.admin_dsn(args.database), pool_min_size=1, pool_max_size=8)
        pool = await create_pool(pg, schema=SCHEMA, application_name="bench")
        try:
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            loaded = await pool.fetchval("SELECT max(bucket) + interval '15 minutes' FROM rollup_quarters")
            print(
                f"database {args.database}: {await pool.fetchval('SELECT sum(messages) FROM rollup_days'):,} messages"
            )
        finally:
            await pool.close()
        await queries(pg, min(loaded, datetime.now(UTC)), list(range(1, ACCOUNTS + 1)), account_weights(), args.samples)
    elif not args.skip_queries:
        pg = await fresh_database(infra, "bench_reports")
        try:
            now, accounts, weights = await load(pg, args.messages, args.seed, args.copy_workers)
            await queries(pg, now, accounts, weights, args.samples)
        finally:
            if not args.keep:
                await drop_database(infra, pg)
    if not args.skip_ingest:
        await ingest(infra, args.events, args.seed, args.ingest_case)
    print(f"took {time.perf_counter() - started:.0f} s (machine: 2 cores, shared with other work)")


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=100_000, help="status events of the ingest phase")
    parser.add_argument("--samples", type=int, default=200, help="runs of each query")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--copy-workers", type=int, default=2, help="COPY connections (and index builds) at once")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database")
    parser.add_argument("--ingest-case", action="append", default=[], help="only the ingest cases naming this")
    parser.add_argument("--database", help="skip the load: the queries over this database (an earlier --keep)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    infra = LocalInfra(infra_settings_for_tests())
    infra.start(reuse=True)
    asyncio.run(main(infra, args))


if __name__ == "__main__":
    cli()
