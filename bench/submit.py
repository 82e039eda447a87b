"""Gateway and end-to-end figures, each next to the raw limit measured in the same run.

Every phase runs against topics it can account for, and says which:
- the gateway phase has a platform of its own (database, topic prefix, a gateway alone),
  deleted after it: its ~50,000 accepted submits never reach a connector;
- the end-to-end phases share one fresh platform (every service of the SMS path, the other
  channels' connectors, billing, reporting, webhooks with a loopback receiver) and each
  starts only once the consumer lag of every service group on its topics is 0 (printed).

1. Gateway: `wrk` (Debian package, installed by `make bench`), 64 connections on loopback,
   POSTs the demo SMS; the gateway answers 202 only once the event is in Kafka (acks=all).
   Next to it: raw awaited produce with 64 concurrent senders (bench/infra.py's figure).
2. Raw limits of the end-to-end path: one bare Kafka hop (produce -> consume) at the e2e
   rates, and the SMPP sandbox itself through one bind of the connector's session
   (saturation submit rate; submit_sm -> receipt p50 / p99), bench/raw_limits.py.
3. Sustainable rate: the highest offered rate whose p99 submit -> DELIVERED (receipt delay
   0) stays under 100 ms for --search-seconds (default 30) with every message delivered:
   steps 100, 200, 300, 400, 600, 800, 1000 up to the first failure, then bisected
   --bisect times. Each step prints offered and achieved rate, p50, p99, delivered/submitted.
4. End to end at --rate for --seconds (the previous figure).
5. Each other channel and a fallback chain at 20/s.

CPU time of every process tree (from /proc: utime+stime of it and its children) per
delivered message, % of one core, and RSS at rest and at peak, per phase
(bench/proc_stats.py). A phase that delivers less than it submitted prints why (consumer
lag left, or statuses other than DELIVERED); if it cannot, the bench exits 1.

Run: uv run python bench/submit.py [--rate 1000] [--seconds 20] [--search-seconds 30]
       [--no-search] [--skip-e2e] [--skip-gateway] [--no-channels] [--idempotency-key]
"""

import argparse
import asyncio
import collections
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer
from bench_kit import consumer_lag, delete_prefixed_topics, raw_kafka_round_trip
from infra import produce_awaited
from proc_stats import ProcWatch, cpu_delta, listening_pid, print_cpu_table, print_rss_table
from raw_limits import smpp_limits

from cpaas.billing.seed import ensure_opening_balance
from cpaas.console.seed import seed
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.local.infra import LocalInfra
from cpaas.local.processes import spawn, stop, wait_for_port, wait_for_ready
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.platform.db import create_pool
from cpaas.platform.kafka_admin import ensure_topics
from cpaas.platform.settings import KafkaSettings, PostgresSettings

GATEWAY_PORT, SANDBOX_HTTP_PORT, SMPP_PORT, RECEIVER_PORT = 18081, 18090, 12775, 18991
CONNECTIONS = 64
WRK_SECONDS = 10
TARGET_SUBMITS = 9_000  # issue 23: per process, within 4x of raw awaited produce
RAW_AWAITED_COUNT = 20_000
BENCH_BALANCE_MINOR = 10**12  # the credit check runs (cached), never refuses
BENCH_RATE_LIMIT = 1_000_000  # the per-key limit would otherwise cap the figure at 1,000/s
# the bench sends from one sender ID; the connector's per-sender limit (500/s) would cap every figure above it
BENCH_SENDER_RATE = 1_000_000
SEARCH_STEPS = (100, 200, 300, 400, 600, 800, 1000)
SEARCH_P99_MS = 100.0
RSS_AIM_MB = 150
# every consumer group of the services this bench starts (their settings' defaults)
SERVICE_GROUPS = [
    "sms-connector",
    "router",
    "billing",
    "reporting",
    "reporting-costs",
    "webhooks",
    "wa-connector",
    "rcs-connector",
    "voice-connector",
]
SHARED = frozenset({"kafka (test server)", "postgresql (test server)"})
NOT_SERVICES = SHARED | {"bench driver", "webhook receiver", "sandbox"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Platform:
    """A bench database, topic prefix and service processes of their own."""

    def __init__(self, infra: LocalInfra, purpose: str) -> None:
        self.infra = infra
        self.purpose = purpose
        self.tag = f"bench{uuid.uuid4().hex[:8]}"
        self.db = self.tag
        self.kafka = KafkaSettings(bootstrap_servers=infra.settings.kafka_bootstrap, topic_prefix=f"{self.tag}.")
        self.pg = PostgresSettings(dsn=infra.postgres.admin_dsn(self.db))
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.logdir = Path(tempfile.mkdtemp(prefix="cpaas-bench-"))

    async def prepare(self, webhook_url: str | None = None) -> dict:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'CREATE DATABASE "{self.db}"')
        await admin.close()
        await ensure_topics(self.kafka)
        creds = await seed(self.pg, self.logdir / "creds.json")
        pool = await create_pool(self.pg, schema="billing", application_name="bench")
        await ensure_opening_balance(pool, creds["accountId"], BENCH_BALANCE_MINOR, "bench")
        await pool.close()
        if webhook_url:
            conn = await asyncpg.connect(self.pg.dsn)
            await conn.execute(
                "UPDATE console.accounts SET webhook_url = $1 WHERE id = $2", webhook_url, creds["accountId"]
            )
            await conn.close()
        print(
            f"\n[{self.purpose}: a platform of its own: database {self.db}, topics {self.kafka.topic_prefix}*]",
            flush=True,
        )
        return creds

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "CPAAS_PG_DSN": self.pg.dsn,
            "CPAAS_KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "CPAAS_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
            "CPAAS_LOG_LEVEL": "WARNING",
            **{k: str(v) for k, v in extra.items()},
        }

    def start(self, module: str, port: int, name: str | None = None, *, wait: bool = True, **env: str) -> None:
        name = name or module.rsplit(".", 1)[-1].replace("_", "-")
        proc = spawn([sys.executable, "-m", module], env=self.env(**env), log_file=self.logdir / f"{name}.log")
        self.procs[name] = proc
        self.ports[name] = port
        if wait:
            wait_for_ready(port, 120, proc, name)  # the port opens before the service has started

    def wait_all(self) -> None:
        for name, port in self.ports.items():
            wait_for_ready(port, 180, self.procs[name], name)

    def start_script(self, name: str, args: list[str], port: int) -> None:
        proc = spawn([sys.executable, *args], env=self.env(), log_file=self.logdir / f"{name}.log")
        self.procs[name] = proc
        wait_for_port(port, 60, proc, name)

    def stop_all(self) -> None:
        for proc in reversed(list(self.procs.values())):
            stop(proc, timeout=20)
        self.procs.clear()

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        await admin.close()
        await delete_prefixed_topics(self.kafka)


PG_COUNTERS = "xact_commit + xact_rollback AS transactions, tup_inserted AS inserted, tup_updated AS updated, tup_deleted AS deleted, tup_fetched AS fetched"


async def pg_counters(platform: Platform) -> dict[str, int]:
    """This database's counters from pg_stat_database (flushed by PostgreSQL about once a second)."""
    conn = await asyncpg.connect(platform.pg.dsn)
    try:
        await asyncio.sleep(1.2)
        row = await conn.fetchrow(f"SELECT {PG_COUNTERS} FROM pg_stat_database WHERE datname = $1", platform.db)
        return dict(row)
    finally:
        await conn.close()


def print_pg_per_message(before: dict[str, int], after: dict[str, int], delivered: int, indent: str = "    ") -> None:
    if delivered <= 0:
        return
    per = {k: (after[k] - before[k]) / delivered for k in after}
    print(
        f"{indent}PostgreSQL, this database, per delivered message: {per['transactions']:.1f} transactions,"
        f" {per['inserted']:.1f} rows inserted, {per['updated']:.1f} updated, {per['deleted']:.1f} deleted,"
        f" {per['fetched']:.1f} fetched"
    )


STATEMENTS_SHOWN = 12


async def pg_statements_reset(platform: Platform) -> bool:
    """Zero pg_stat_statements (the test servers preload it); False when it is not loaded
    (servers started before it was), and the table is then left out."""
    conn = await asyncpg.connect(platform.pg.dsn)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
        return True
    except asyncpg.PostgresError:
        return False
    finally:
        await conn.close()


async def pg_statements(platform: Platform) -> list | None:
    """This database's statement statistics since the last reset (None: not loaded)."""
    conn = await asyncpg.connect(platform.pg.dsn)
    try:
        return await conn.fetch(
            "SELECT s.calls, s.rows, s.total_exec_time, s.query FROM pg_stat_statements s"
            " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 ORDER BY s.total_exec_time DESC",
            platform.db,
        )
    except asyncpg.PostgresError:
        return None
    finally:
        await conn.close()


def print_pg_statements(rows: list | None, delivered: int, indent: str = "    ") -> None:
    """The statements that took the most PostgreSQL time, per delivered message: where the
    backends' CPU goes, by service (the statement's schema or table names it)."""
    if rows is None or delivered <= 0:
        return
    total = sum(r["total_exec_time"] for r in rows)
    calls = sum(r["calls"] for r in rows)
    print(
        f"{indent}PostgreSQL statements of this database: {total * 1000 / delivered:,.0f} us of execution per"
        f" delivered message in {calls / delivered:.2f} statements ({len(rows)} distinct); the top {STATEMENTS_SHOWN}:"
    )
    print(f"{indent}  {'us/msg':>7} {'calls/msg':>9} {'rows/call':>9}  statement")
    for r in rows[:STATEMENTS_SHOWN]:
        text = " ".join(r["query"].split())[:110]
        per_call = r["rows"] / r["calls"] if r["calls"] else 0
        print(
            f"{indent}  {r['total_exec_time'] * 1000 / delivered:7.1f} {r['calls'] / delivered:9.3f}"
            f" {per_call:9.1f}  {text}"
        )


def watch_processes(platform: Platform, infra: LocalInfra) -> ProcWatch:
    watch = ProcWatch(interval=1.0)
    for name, proc in platform.procs.items():
        watch.add(name, proc.pid)
    watch.add("bench driver", os.getpid(), descend=False)
    watch.add("kafka (test server)", listening_pid(infra.settings.kafka_port))
    postmaster = listening_pid(infra.settings.pg_port)
    watch.add("postgresql (test server)", postmaster)
    # the backends serving this platform's database: theirs alone (cpu_delta subtracts nothing from the row above)
    watch.add(f"postgresql backends of {platform.db}", postmaster, cmdline_has=f" {platform.db} ")
    return watch


def sms_body(creds: dict, recipient: str = "+919876543210") -> dict:
    return {
        "recipient": recipient,
        "channel": "SMS",
        "templateId": creds["templates"]["SMS"],
        "senderId": creds["senderId"],
        "variables": ["482913", "10"],
    }


# with --idempotency-key every request carries a key of its own (a fresh submit, never a replay)
UNIQUE_KEY_REQUEST = (
    "counter = 0\n"
    "request = function()\n"
    "  counter = counter + 1\n"
    '  wrk.headers["Idempotency-Key"] = "bench-" .. tostring(os.time()) .. "-" .. counter\n'
    "  return wrk.format()\n"
    "end\n"
)


def run_wrk(creds: dict, *, idempotency_key: bool = False) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (make bench does it)")
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(sms_body(creds)))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["X-API-Key"] = "{creds["apiKey"]}"\n'
        + (UNIQUE_KEY_REQUEST if idempotency_key else "")
        + "done = function(summary, latency, requests)\n"
        '  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,'
        " summary.errors.status, latency:percentile(50), latency:percentile(99)))\nend\n"
    )
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{WRK_SECONDS}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{GATEWAY_PORT}/api/v1/messages/submit",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests, duration_us, bad_status, p50_us, p99_us = map(int, re.search(r"RESULT (.*)", out).group(1).split())
    return {
        "accepted": requests - bad_status,
        "accepted_per_s": (requests - bad_status) / (duration_us / 1e6),
        "non_2xx": bad_status,
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
    }


async def raw_awaited_produce(platform: Platform) -> float:
    """bench/infra.py's awaited produce x64, on a fresh 6-partition topic of this platform's prefix."""
    topic = platform.kafka.topic(f"raw.awaited.{uuid.uuid4().hex[:6]}")
    await ensure_topics(platform.kafka, {topic: 6})
    await asyncio.sleep(1)  # leader election
    return await produce_awaited(platform.kafka.bootstrap_servers, topic, CONNECTIONS, RAW_AWAITED_COUNT)


async def raw_hop(platform: Platform, rate: int, seconds: float) -> dict:
    topic = platform.kafka.topic(f"raw.hop.{uuid.uuid4().hex[:6]}")
    await ensure_topics(platform.kafka, {topic: 6})
    await asyncio.sleep(1)
    return await raw_kafka_round_trip(platform.kafka.bootstrap_servers, topic, rate, seconds)


def percentile(latencies: list[float], q: float) -> float:
    return latencies[max(0, int(len(latencies) * q) - 1)] if latencies else float("nan")


async def end_to_end(
    platform: Platform, creds: dict, rate: int, seconds: float, body: dict | None = None, *, wait: float = 30
) -> dict:
    """Open-loop submits at `rate`/s for `seconds`; waits up to `wait` s after the last for
    their DELIVERED (less once no receipt has come for 5 s)."""
    submitted: dict[str, float] = {}
    delivered: dict[str, float] = {}
    statuses: dict[str, str] = {}
    # where the time goes: wall clock (ms) of the request, its submit record, its first
    # status record, its DELIVERED record (the producers' CreateTime) and when the bench saw it
    marks: dict[str, dict[str, float]] = collections.defaultdict(dict)
    status_topic = platform.kafka.topic("msg.status")
    consumer = AIOKafkaConsumer(
        status_topic,
        *(platform.kafka.topic(t.name) for t in SUBMIT_TOPICS.values()),
        bootstrap_servers=platform.kafka.bootstrap_servers,
        auto_offset_reset="latest",
        group_id=f"{platform.tag}-latency-{uuid.uuid4().hex[:4]}",
    )
    await consumer.start()
    while not consumer.assignment():  # the group join, before the clock starts
        await consumer.getmany(timeout_ms=200)
    await consumer.seek_to_end()

    async def watch() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            now, wall = time.perf_counter(), time.time() * 1000
            for records in batch.values():
                for record in records:
                    if record.topic != status_topic:  # the key is the message id: no need to parse
                        marks[record.key.decode()].setdefault("produced", record.timestamp)
                        continue
                    event = orjson.loads(record.value)
                    mark = marks[event["subject"]]
                    status = event["data"]["status"]
                    statuses[event["subject"]] = status
                    mark.setdefault("first_status", record.timestamp)
                    if status in ("DELIVERED", "READ"):
                        delivered.setdefault(event["subject"], now)
                        mark.setdefault("delivered", record.timestamp)
                        mark.setdefault("seen", wall)

    watcher = asyncio.create_task(watch())
    body = json.dumps(body or sms_body(creds)).encode()
    request = (
        f"POST /api/v1/messages/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {creds['apiKey']}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    connections = [await asyncio.open_connection("127.0.0.1", GATEWAY_PORT) for _ in range(CONNECTIONS)]
    idle: asyncio.Queue = asyncio.Queue()
    for connection in connections:
        idle.put_nowait(connection)
    refused = [0]
    refusals: collections.Counter[str] = collections.Counter()

    async def one() -> None:
        reader, writer = await idle.get()
        started, wall = time.perf_counter(), time.time() * 1000
        writer.write(request)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        answer = await reader.readexactly(length)
        idle.put_nowait((reader, writer))
        if b" 202 " in status_line:
            message_id = json.loads(answer)["messageId"]
            submitted[message_id] = started
            marks[message_id].update(request=wall, answered=time.time() * 1000)
        else:
            refused[0] += 1
            refusals[refusal_of(status_line, answer)] += 1

    tasks = []
    count = int(rate * seconds)
    begin = time.perf_counter()
    for i in range(count):  # open loop: requests start on schedule, not when the last returned
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    send_seconds = time.perf_counter() - begin
    for _, writer in connections:
        writer.close()
    deadline, last_count, last_progress = time.perf_counter() + wait, -1, time.perf_counter()
    while (n := len(delivered.keys() & submitted.keys())) < len(submitted) and time.perf_counter() < deadline:
        if n != last_count:
            last_count, last_progress = n, time.perf_counter()
        elif time.perf_counter() - last_progress > 5:
            break
        await asyncio.sleep(0.2)
    watcher.cancel()
    await consumer.stop()
    latencies = sorted((delivered[m] - submitted[m]) * 1000 for m in submitted if m in delivered)
    # for the percentiles, a message not delivered within the wait is slower than any delivered one
    with_missing = latencies + [float("inf")] * (len(submitted) - len(latencies))
    missing = [m for m in submitted if m not in delivered]
    return {
        "offered_per_s": rate,
        "offered": count,
        "refused": refused[0],
        "refusals": dict(refusals),
        "submitted": len(submitted),
        "delivered": len(latencies),
        "submit_rate_achieved": len(submitted) / send_seconds,
        "delivered_rate": len(latencies) / max(send_seconds, max(latencies, default=0) / 1000),
        "p50_ms": statistics.median(with_missing) if with_missing else float("nan"),
        "p99_ms": percentile(with_missing, 0.99),
        "undelivered_statuses": _count(statuses.get(m, "no status event") for m in missing),
        "hops": hops(marks[m] for m in submitted if m in delivered),
    }


HOPS = (  # (label, from mark, to mark)
    ("HTTP answer", "request", "answered"),
    ("request -> submit record", "request", "produced"),
    ("submit record -> first status", "produced", "first_status"),
    ("first status -> DELIVERED record", "first_status", "delivered"),
    ("DELIVERED record -> seen", "delivered", "seen"),
)


def hops(marks) -> dict[str, tuple[float, float]]:
    """p50 and p99 (ms) of each stretch of the path over the delivered messages (record
    timestamps are whole milliseconds)."""
    spans: dict[str, list[float]] = {label: [] for label, _, _ in HOPS}
    for mark in marks:
        for label, start, end in HOPS:
            if start in mark and end in mark:
                spans[label].append(mark[end] - mark[start])
    return {
        label: (statistics.median(values), percentile(sorted(values), 0.99))
        for label, values in spans.items()
        if values
    }


def print_hops(e2e: dict, indent: str = "    ") -> None:
    if e2e.get("hops"):
        print(
            f"{indent}where the time goes (p50 / p99 ms): "
            + "; ".join(f"{label} {p50:.0f} / {p99:.0f}" for label, (p50, p99) in e2e["hops"].items())
        )


def refusal_of(status_line: bytes, answer: bytes) -> str:
    """`<status> <error code>` of a refused submit (the gateway's error body), for the explanation."""
    status = status_line.split(b" ")[1].decode() if status_line.count(b" ") >= 1 else "?"
    try:
        code = json.loads(answer)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "(no error body)"
    return f"{status} {code}"


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def fmt_ms(value: float) -> str:
    return "   >wait" if value == float("inf") else f"{value:>8.1f}"


async def drain(platform: Platform, *, within: float = 180) -> dict[str, int]:
    """Until every service group's lag on this platform's topics is 0 (or `within` s); prints it."""
    started = time.perf_counter()
    while True:
        lags = await consumer_lag(platform.kafka, SERVICE_GROUPS)
        left = {g: n for g, n in lags.items() if n}
        if not left or time.perf_counter() - started > within:
            break
        await asyncio.sleep(1)
    waited = time.perf_counter() - started
    if left:
        print(f"  [topics NOT drained after {waited:.0f} s: lag {left}; the next phase measures that backlog too]")
    else:
        print(f"  [topics drained first: lag 0 in every service group (waited {waited:.1f} s)]")
    return left


class Failures:
    def __init__(self) -> None:
        self.unexplained: list[str] = []

    async def explain(self, platform: Platform, phase: str, figures: dict) -> None:
        """A phase that delivered less than it submitted says why, or is recorded as unexplained."""
        if figures["refused"]:
            codes = ", ".join(f"{n:,} {code}" for code, n in sorted(figures.get("refusals", {}).items()))
            print(f"  {figures['refused']:,} of {figures['offered']:,} submits were not answered 202: {codes}")
        short = figures["submitted"] - figures["delivered"]
        if short <= 0:
            return
        lags = {g: n for g, n in (await consumer_lag(platform.kafka, SERVICE_GROUPS)).items() if n}
        print(
            f"  {short:,} submitted but not DELIVERED within the wait; their last status: {figures['undelivered_statuses']}"
        )
        if lags:
            print(
                f"  why: backlog left in the topics (consumer lag {lags}): the pipeline is slower than the offered rate"
            )
            return
        not_final = {
            s: n for s, n in figures["undelivered_statuses"].items() if s not in ("FAILED", "UNDELIVERED", "REJECTED")
        }
        if not not_final:
            print("  why: the channel reported them FAILED / UNDELIVERED (no backlog)")
            return
        print("  why: UNEXPLAINED: no backlog in any topic, and not failed")
        self.unexplained.append(f"{phase}: {short} not delivered, no backlog ({not_final})")


CHANNEL_RATE, CHANNEL_SECONDS = 20, 10  # the sandbox (one process for four carriers) is the limit above this


def start_pipeline(platform: Platform, smpp_binds: int | None) -> None:
    """Every channel's sandbox API and connector, the ai service, campaigns, the router, billing,
    reporting, webhooks (to a loopback receiver) and the gateway, on bench ports (the console,
    which reads no stream, is left out)."""
    platform.start(
        "cpaas.sandbox",
        SANDBOX_HTTP_PORT,
        CPAAS_SANDBOX_HTTP_PORT=str(SANDBOX_HTTP_PORT),
        CPAAS_SANDBOX_SMPP_PORT=str(SMPP_PORT),
        CPAAS_SANDBOX_RECEIPT_DELAY_SECONDS="0",
        CPAAS_SANDBOX_WA_HTTP_PORT="18092",
        CPAAS_SANDBOX_WA_STATUS_DELAY_SECONDS="0",
        CPAAS_SANDBOX_WA_WEBHOOK_URL="http://127.0.0.1:18085/webhooks/whatsapp",
        CPAAS_SANDBOX_RBM_HTTP_PORT="18093",
        CPAAS_SANDBOX_RBM_EVENT_DELAY_SECONDS="0",
        CPAAS_SANDBOX_RBM_WEBHOOK_URL="http://127.0.0.1:18086/webhooks/rbm",
        CPAAS_SANDBOX_VOICE_HTTP_PORT="18094",
        CPAAS_SANDBOX_VOICE_CALL_PROGRESS_DELAY_SECONDS="0",
    )
    platform.start_script(
        "webhook receiver",
        [str(Path(__file__).parent / "webhooks.py"), "--receiver", str(RECEIVER_PORT)],
        RECEIVER_PORT,
    )
    # the ai service's traffic consumer (anomalies) and campaigns read the same streams in
    # `make run`, so they run here too: everything on the machine, as the aim says
    # (its detectors run; its fraud guard is off: the bench is one account sending thousands a
    # second to one number, which the guard rightly holds as pumping, refusing the rest 403)
    platform.start("cpaas.ai", 18095, wait=False, CPAAS_AI_HTTP_PORT="18095", CPAAS_AI_FRAUD_HOLD_THRESHOLD="off")
    platform.start(
        "cpaas.campaigns",
        18096,
        wait=False,
        CPAAS_CAMPAIGNS_HTTP_PORT="18096",
        CPAAS_CAMPAIGNS_INTERNAL_PORT="19196",
    )
    platform.start("cpaas.reporting", 18083, wait=False, CPAAS_REPORTING_HTTP_PORT="18083")
    platform.start("cpaas.billing", 18082, wait=False, CPAAS_BILLING_HTTP_PORT="18082")
    platform.start("cpaas.webhooks", 18089, wait=False, CPAAS_WEBHOOKS_HTTP_PORT="18089")
    platform.start("cpaas.router", 18091, wait=False, CPAAS_ROUTER_HTTP_PORT="18091")
    platform.start(
        "cpaas.sms_connector",
        18084,
        wait=False,
        CPAAS_SMS_CONNECTOR_HTTP_PORT="18084",
        CPAAS_SMS_CONNECTOR_SMPP_PORT=str(SMPP_PORT),
        CPAAS_SMS_CONNECTOR_SENDER_RATE_PER_SECOND=str(BENCH_SENDER_RATE),
        **({"CPAAS_SMS_CONNECTOR_BINDS": str(smpp_binds)} if smpp_binds else {}),
    )
    platform.start(
        "cpaas.wa_connector",
        18085,
        wait=False,
        CPAAS_WA_CONNECTOR_HTTP_PORT="18085",
        CPAAS_WA_CONNECTOR_BASE_URL="http://127.0.0.1:18092",
    )
    platform.start(
        "cpaas.rcs_connector",
        18086,
        wait=False,
        CPAAS_RCS_CONNECTOR_HTTP_PORT="18086",
        CPAAS_RCS_CONNECTOR_BASE_URL="http://127.0.0.1:18093",
    )
    platform.start(
        "cpaas.voice_connector",
        18087,
        wait=False,
        CPAAS_VOICE_CONNECTOR_HTTP_PORT="18087",
        CPAAS_VOICE_CONNECTOR_API_BASE_URL="http://127.0.0.1:18094",
        CPAAS_VOICE_CONNECTOR_PUBLIC_BASE_URL="http://127.0.0.1:18087",
    )
    start_gateway(platform, wait=False)
    platform.wait_all()


def start_gateway(platform: Platform, *, wait: bool = True) -> None:
    platform.start(
        "cpaas.gateway",
        GATEWAY_PORT,
        wait=wait,
        CPAAS_GATEWAY_HTTP_PORT=str(GATEWAY_PORT),
        CPAAS_GATEWAY_SUBMIT_RATE_PER_SECOND=str(BENCH_RATE_LIMIT),
    )


async def register_waba_numbers(platform: Platform) -> None:
    """The demo WABA number registered with the WhatsApp sandbox, as the console does at its
    start (the bench runs no console; the sandbox refuses sends from an unregistered number)."""
    import httpx

    from cpaas.console.providers import ChannelProviders, register_numbers
    from cpaas.console.settings import ConsoleSettings
    from cpaas.console.store import ConsoleStore
    from cpaas.platform.secretbox import SecretBox

    settings = ConsoleSettings()
    pool = await create_pool(platform.pg, schema="console", application_name="bench")
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            providers = ChannelProviders(
                http,
                whatsapp_url="http://127.0.0.1:18092",
                whatsapp_version=settings.whatsapp_api_version,
                rbm_url="http://127.0.0.1:18093",
                rbm_partner_token=settings.rbm_partner_token,
            )
            failed = await register_numbers(
                ConsoleStore(pool, SecretBox(settings.secrets_key)), providers, every_active=True
            )
    finally:
        await pool.close()
    if failed:
        raise RuntimeError(f"WABA numbers {failed} could not be registered with the sandbox")


def channel_bodies(creds: dict) -> dict[str, dict]:
    t = creds["templates"]
    return {
        "WhatsApp": {
            "recipient": "+919876543210",
            "channel": "WHATSAPP",
            "templateId": t["WHATSAPP"],
            "variables": ["Asha", "A-1"],
        },
        "RCS rich card": {
            "recipient": "+919876543210",
            "channel": "RCS",
            "templateId": t["RCS_RICH_CARD"],
            "variables": ["Asha"],
        },
        "Voice": {"recipient": "+919876543210", "channel": "VOICE", "templateId": t["VOICE"], "variables": ["4829"]},
        "fallback RCS -> WhatsApp -> SMS (+91...903: no RCS, no WhatsApp)": {
            "recipient": "+919876543903",
            "channel": "RCS",
            "templateId": t["RCS"],
            "variables": ["Asha", "10"],
            "fallback": [
                {"channel": "WHATSAPP", "templateId": t["WHATSAPP"], "variables": ["Asha", "A-1042"]},
                {
                    "channel": "SMS",
                    "templateId": t["SMS"],
                    "senderId": creds["senderId"],
                    "variables": ["482913", "10"],
                },
            ],
        },
    }


def print_e2e(e2e: dict, raw_hop: dict | None = None) -> None:
    print(
        f"  offered {e2e['offered_per_s']:,}/s, achieved {e2e['submit_rate_achieved']:,.0f}/s,"
        f" submitted {e2e['submitted']:,}, delivered {e2e['delivered']:,}"
    )
    print(f"  latency submit -> DELIVERED p50 {e2e['p50_ms']:.1f} ms, p99 {e2e['p99_ms']:.1f} ms  ({load()})")
    print_hops(e2e, "  ")
    if e2e["submit_rate_achieved"] < 0.95 * e2e["offered_per_s"]:
        print(
            f"  (the driver fell behind the offered rate: its {CONNECTIONS} connections each wait for the gateway's"
            " answer, so the gateway's answer time bounds the rate it can submit at)"
        )


def search_row(e2e: dict, ok: bool, cpu_ms: float | None) -> str:
    cpu = f"{cpu_ms:>9.2f}" if cpu_ms is not None else "        -"
    return (
        f"  {e2e['offered_per_s']:>7,}/s {e2e['submit_rate_achieved']:>9,.0f}/s {fmt_ms(e2e['p50_ms'])} {fmt_ms(e2e['p99_ms'])}"
        f"   {e2e['delivered']:>6,}/{e2e['submitted']:<6,} {cpu}   {'pass' if ok else 'FAIL'}   {load()}"
    )


def passes(e2e: dict) -> bool:
    return (
        e2e["refused"] == 0
        and e2e["delivered"] == e2e["submitted"] == e2e["offered"]
        and e2e["p99_ms"] < SEARCH_P99_MS
        and e2e["submit_rate_achieved"] >= 0.95 * e2e["offered_per_s"]
    )


def services_cpu(cpu: dict[str, float]) -> float:
    return sum(v for k, v in cpu.items() if k not in SHARED)


async def search(
    platform: Platform, creds: dict, watch: ProcWatch, args: argparse.Namespace, failures: Failures
) -> dict:
    """The highest offered rate whose p99 stays under SEARCH_P99_MS for args.search_seconds."""
    print(
        f"\nsustainable rate: highest offered rate with p99 submit -> DELIVERED < {SEARCH_P99_MS:.0f} ms for"
        f" {args.search_seconds:g} s, all delivered (steps {', '.join(map(str, SEARCH_STEPS))}, then {args.bisect} bisections)"
    )
    print(f"  {'offered':>9} {'achieved':>11} {'p50 ms':>8} {'p99 ms':>8}   delivered/submitted  CPU ms/msg*")
    results: dict[int, tuple[dict, bool, tuple[float, dict]]] = {}

    async def step(rate: int) -> bool:
        await drain(platform)
        pg_before = await pg_counters(platform)
        statements = await pg_statements_reset(platform)
        before = watch.cpu()
        e2e = await end_to_end(platform, creds, rate, args.search_seconds, wait=10)
        wall, cpu = cpu_delta(before, watch.cpu())
        pg_after = await pg_counters(platform)
        statement_rows = await pg_statements(platform) if statements else None
        ok = passes(e2e)
        idle = sum(v or 0 for k, v in watch.idle().items() if k not in SHARED) * wall
        per_msg = (services_cpu(cpu) - idle) * 1000 / e2e["delivered"] if e2e["delivered"] else None
        print(search_row(e2e, ok, per_msg), flush=True)
        print_hops(e2e)
        await failures.explain(platform, f"search step {rate}/s", e2e)
        results[rate] = (e2e, ok, (wall, cpu, pg_before, pg_after, statement_rows))
        return ok

    best, first_fail = 0, None
    for rate in (r for r in SEARCH_STEPS if r <= args.search_max):
        if await step(rate):
            best = rate
        else:
            first_fail = rate
            break
    for _ in range(args.bisect):
        if first_fail is None:
            break
        mid = round((best + first_fail) / 2 / 25) * 25
        if mid in (best, first_fail) or mid <= 0:
            break
        if await step(mid):
            best = mid
        else:
            first_fail = mid
    print(
        "  * CPU of every bench process but the shared Kafka and PostgreSQL, less what they spend idle,"
        " per delivered message"
    )
    if best:
        print(f"  sustainable rate: {best:,}/s (p99 < {SEARCH_P99_MS:.0f} ms for {args.search_seconds:g} s)", end="")
        print(f"; {first_fail:,}/s was not" if first_fail else f"; no step up to {args.search_max:,}/s failed")
    else:
        print(f"  sustainable rate: below {first_fail:,}/s (no step passed)")
    return {"best": best, "first_fail": first_fail, "results": results}


async def raw_smpp(args: argparse.Namespace, logdir: Path) -> dict:
    """The sandbox's own SMPP limits, in a sandbox process of its own (the pipeline's binds are not disturbed)."""
    smpp_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "CPAAS_SANDBOX_SMPP_PORT": str(smpp_port),
        "CPAAS_SANDBOX_HTTP_PORT": str(http_port),
        "CPAAS_SANDBOX_RECEIPT_DELAY_SECONDS": "0",
        "CPAAS_SANDBOX_SERVE_CHANNEL_APIS": "false",
        "CPAAS_LOG_LEVEL": "WARNING",
    }
    sandbox = spawn([sys.executable, "-m", "cpaas.sandbox"], env=env, log_file=logdir / "raw-sandbox.log")
    try:
        wait_for_port(smpp_port, 60, sandbox, "sandbox")
        return await smpp_limits(smpp_port, messages=5_000, window=50, rate=args.raw_rate, seconds=5)
    finally:
        stop(sandbox)


def gateway_phase(infra: LocalInfra, args: argparse.Namespace) -> None:
    platform = Platform(infra, "gateway phase")
    try:
        creds = asyncio.run(platform.prepare())
        start_gateway(platform)
        watch = watch_processes(platform, infra)
        watch.record_rest(5)
        watch.start_sampling()
        profiler = None
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profiler = spy(
                py_spy_of(args),
                platform.procs["gateway"].pid,
                Path(args.profile) / "gateway-wrk",
                WRK_SECONDS - 1,
                args.profile_sample_rate,
            )
            time.sleep(1)  # py-spy attaches
        before = watch.cpu()
        gateway = run_wrk(creds, idempotency_key=args.idempotency_key)
        wall, cpu = cpu_delta(before, watch.cpu())
        watch.stop_sampling()
        if profiler is not None:
            profiler.wait(timeout=WRK_SECONDS + 60)
        raw = asyncio.run(raw_awaited_produce(platform))
        keys = ", a fresh Idempotency-Key on each request" if args.idempotency_key else ""
        print(f"gateway, {CONNECTIONS} connections, {WRK_SECONDS}s, one process{keys}  ({load()}):")
        print(
            f"  accepted submits/s              {gateway['accepted_per_s']:>10,.0f}   aim {TARGET_SUBMITS:,}"
            f" (ratio {gateway['accepted_per_s'] / TARGET_SUBMITS:.2f})"
        )
        print(
            f"  raw awaited produce x{CONNECTIONS}, same run {raw:>10,.0f}   ratio gateway/raw"
            f" {gateway['accepted_per_s'] / raw:.2f} (issue 23 aims at >= 0.25)"
        )
        print(f"  latency p50 {gateway['p50_ms']:.1f} ms, p99 {gateway['p99_ms']:.1f} ms, non-2xx {gateway['non_2xx']}")
        print("  CPU per accepted submit over the wrk run:")
        print_cpu_table(
            wall,
            {k: v for k, v in cpu.items() if k != "bench driver"},
            gateway["accepted"],
            shared=SHARED,
            indent="    ",
            per="accepted",
            idle=watch.idle(),
        )
        print(
            f"  (per accepted submit, not delivered: the {gateway['accepted']:,} submits stay in this phase's topics)"
        )
        print_rss_table(watch, RSS_AIM_MB, exempt=NOT_SERVICES, indent="    ")
        if profiler is not None:
            print(f"  profile of the gateway under wrk (py-spy): {args.profile}/gateway-wrk.txt")
    finally:
        platform.stop_all()
        asyncio.run(platform.drop())
        print(f"  [gateway phase's database and topics deleted, with the submits it left; logs {platform.logdir}]")


def pipeline_phases(infra: LocalInfra, args: argparse.Namespace, failures: Failures) -> None:
    platform = Platform(infra, "end-to-end phases")
    try:
        raw_platform_kafka = platform  # the raw hop's topics take this platform's prefix (deleted with it)
        smpp = asyncio.run(raw_smpp(args, platform.logdir))
        hop = asyncio.run(raw_hop(raw_platform_kafka, args.raw_rate, 5))
        print(f"raw limits of the path, same run, before the platform starts ({load()}):")
        print(
            f"  SMPP sandbox, one bind of the connector's session, window 50: {smpp['saturation_per_s']:,.0f} submits/s;"
            f" at {smpp['rate']}/s submit_sm -> receipt p50 {smpp['p50_ms']:.2f} ms, p99 {smpp['p99_ms']:.2f} ms"
            f" ({smpp['receipts']:,}/{smpp['sent']:,} receipts)"
        )
        print(
            f"  one Kafka hop (awaited produce -> consume) at {hop['offered_per_s']}/s: p50 {hop['p50_ms']:.2f} ms,"
            f" p99 {hop['p99_ms']:.2f} ms ({hop['seen']:,}/{hop['sent']:,})"
        )
        floor50 = 3 * hop["p50_ms"] + smpp["p50_ms"]
        print(
            f"  floor of submit -> DELIVERED (3 Kafka hops: submit, send, status; one SMPP round trip; no HTTP, no"
            f" database): p50 ~{floor50:.1f} ms"
        )

        creds = asyncio.run(platform.prepare(webhook_url=f"http://127.0.0.1:{RECEIVER_PORT}/hooks/dlr"))
        started = time.perf_counter()
        start_pipeline(platform, args.smpp_binds)
        asyncio.run(register_waba_numbers(platform))
        print(
            f"  {len(platform.procs)} processes started in {time.perf_counter() - started:.0f} s; sms-connector"
            f" per-sender limit raised to {BENCH_SENDER_RATE:,}/s (one sender ID), binds"
            f" {args.smpp_binds or 'default'}; gateway per-key limit {BENCH_RATE_LIMIT:,}/s; the ai service's"
            " fraud guard off (its detectors on)"
        )
        watch = watch_processes(platform, infra)
        time.sleep(3)
        watch.record_rest(10)
        watch.start_sampling()
        # warm-up (connections, caches, JIT of nothing: Python), not measured
        asyncio.run(end_to_end(platform, creds, 50, 4, wait=10))

        if args.profile:
            profile_phase(platform, creds, watch, args, failures)

        if not args.no_search:
            asyncio.run(_search_and_report(platform, creds, watch, args, failures))

        if args.rate:
            asyncio.run(drain(platform))
            pg_before = asyncio.run(pg_counters(platform))
            statements = asyncio.run(pg_statements_reset(platform))
            before = watch.cpu()
            e2e = asyncio.run(end_to_end(platform, creds, args.rate, args.seconds))
            wall, cpu = cpu_delta(before, watch.cpu())
            pg_after = asyncio.run(pg_counters(platform))
            print(f"\nend to end, submit -> DELIVERED through the SMPP sandbox (receipt delay 0), {args.seconds}s:")
            print_e2e(e2e)
            print(
                f"  raw, same run: SMPP sandbox alone {smpp['saturation_per_s']:,.0f} submits/s; path floor p50 ~{floor50:.1f} ms"
            )
            print("  (aim: 1,000/s sustained with p99 < 50 ms)")
            asyncio.run(failures.explain(platform, f"end to end {args.rate}/s", e2e))
            print(f"  CPU per delivered message over the phase ({wall:.0f} s, the wait for receipts included):")
            print_cpu_table(wall, cpu, e2e["delivered"], shared=SHARED, indent="    ", idle=watch.idle())
            print_pg_per_message(pg_before, pg_after, e2e["delivered"])
            if statements:
                print_pg_statements(asyncio.run(pg_statements(platform)), e2e["delivered"])

        if args.channels:
            for name, body in channel_bodies(creds).items():
                asyncio.run(drain(platform))
                figures = asyncio.run(end_to_end(platform, creds, CHANNEL_RATE, CHANNEL_SECONDS, body))
                print(f"{name}, {CHANNEL_RATE}/s for {CHANNEL_SECONDS}s, sandbox delays 0:")
                print_e2e(figures)
                asyncio.run(failures.explain(platform, name, figures))
        watch.stop_sampling()
        print(f"\nRSS of each process, at rest (after start, before load) and at peak during the phases ({load()}):")
        over = print_rss_table(
            watch, RSS_AIM_MB, exempt=NOT_SERVICES | {n for n in watch.watched if n.startswith("postgresql")}
        )
        print(
            f"  services above the {RSS_AIM_MB} MB aim at rest: {', '.join(over)}"
            if over
            else f"  every service within the {RSS_AIM_MB} MB aim at rest"
        )
    finally:
        platform.stop_all()
        asyncio.run(platform.drop())
        print(f"\nservice logs: {platform.logdir}")


PROFILED = ("gateway", "router", "sms-connector", "billing", "reporting", "webhooks", "ai")


def spy(py_spy: str, pid: int, path: Path, seconds: float, sample_rate: int) -> subprocess.Popen:
    """py-spy recording `pid` for `seconds` into `path`.txt (raw collapsed stacks; errors in .err)."""
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--nonblocking",
            "--format",
            "raw",
            "--gil",  # only samples holding the GIL: a thread waiting (epoll, a lock) is not CPU
            "--rate",
            str(sample_rate),
            "--duration",
            str(int(seconds)),
            "--pid",
            str(pid),
            "--output",
            f"{path}.txt",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(f"{path}.err", "w"),  # the child owns it
    )


def py_spy_of(args: argparse.Namespace) -> str:
    py_spy = args.py_spy or shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("py-spy is needed: uv run --no-sync --with py-spy python bench/submit.py --profile ...")
    return py_spy


def profile_phase(
    platform: Platform, creds: dict, watch: ProcWatch, args: argparse.Namespace, failures: Failures
) -> None:
    """py-spy (non-blocking: the processes are never paused) records each service of PROFILED
    during a load at each of --profile-rates; collapsed stacks to --profile/<service>-<rate>.txt
    (summarise them with bench/profile_top.py)."""
    py_spy = py_spy_of(args)
    out = Path(args.profile)
    out.mkdir(parents=True, exist_ok=True)
    for rate in (int(r) for r in args.profile_rates.split(",")):
        asyncio.run(drain(platform))
        spies = [
            spy(
                py_spy, platform.procs[name].pid, out / f"{name}-{rate}", args.profile_seconds, args.profile_sample_rate
            )
            for name in PROFILED
        ]
        pg_before = asyncio.run(pg_counters(platform))  # its 1.2 s sleep lets py-spy attach
        statements = asyncio.run(pg_statements_reset(platform))
        before = watch.cpu()
        e2e = asyncio.run(end_to_end(platform, creds, rate, args.profile_seconds - 3, wait=10))
        wall, cpu = cpu_delta(before, watch.cpu())
        pg_after = asyncio.run(pg_counters(platform))
        for profiler in spies:
            profiler.wait(timeout=args.profile_seconds + 60)
        print(
            f"\nprofiled load, {rate}/s for {args.profile_seconds - 3}s, py-spy at {args.profile_sample_rate} Hz"
            f" on {', '.join(PROFILED)}:"
        )
        print_e2e(e2e)
        asyncio.run(failures.explain(platform, f"profiled {rate}/s", e2e))
        print_cpu_table(wall, cpu, e2e["delivered"], shared=SHARED, indent="    ", idle=watch.idle())
        print_pg_per_message(pg_before, pg_after, e2e["delivered"])
        if statements:
            print_pg_statements(asyncio.run(pg_statements(platform)), e2e["delivered"])
        (out / f"cpu-{rate}.json").write_text(
            json.dumps({k: v * 1000 / max(1, e2e["delivered"]) for k, v in cpu.items()}, indent=1)
        )
    print(
        f"  profiles: {out}/<service>-<rate>.txt (py-spy raw, GIL samples), CPU ms per delivered message in"
        f" {out}/cpu-<rate>.json; top functions: python bench/profile_top.py {out}/*-<rate>.txt"
    )


async def _search_and_report(
    platform: Platform, creds: dict, watch: ProcWatch, args: argparse.Namespace, failures: Failures
) -> None:
    found = await search(platform, creds, watch, args, failures)
    for key, title in (
        ("best", "CPU per delivered message at the sustainable rate"),
        ("first_fail", "at the first rate that failed"),
    ):
        if not found[key]:
            continue
        e2e, _, (wall, cpu, pg_before, pg_after, statement_rows) = found["results"][found[key]]
        print(f"  {title} ({found[key]:,}/s, {wall:.0f} s):")
        print_cpu_table(wall, cpu, e2e["delivered"], shared=SHARED, indent="    ", idle=watch.idle())
        print_pg_per_message(pg_before, pg_after, e2e["delivered"])
        print_pg_statements(statement_rows, e2e["delivered"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000, help="the fixed-rate end-to-end phase (0: none)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--search-seconds", type=float, default=30, help="duration of each sustainable-rate step")
    parser.add_argument("--search-max", type=int, default=max(SEARCH_STEPS))
    parser.add_argument("--bisect", type=int, default=2)
    parser.add_argument("--no-search", action="store_true", help="no sustainable-rate search")
    parser.add_argument("--raw-rate", type=int, default=300, help="rate of the raw Kafka hop and SMPP round trip")
    parser.add_argument(
        "--smpp-binds", type=int, default=None, help="CPAAS_SMS_CONNECTOR_BINDS (default: the service's)"
    )
    parser.add_argument("--profile", metavar="DIR", help="py-spy each service under --profile-rates loads into DIR")
    parser.add_argument("--profile-rates", default="300,600")
    parser.add_argument("--profile-seconds", type=int, default=22)
    parser.add_argument("--profile-sample-rate", type=int, default=50, help="py-spy samples/s")
    parser.add_argument("--py-spy", help="the py-spy binary (default: on PATH)")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-gateway", action="store_true", help="only the end-to-end figures")
    parser.add_argument(
        "--idempotency-key",
        action="store_true",
        help="the gateway phase sends a fresh Idempotency-Key on every request (the keyed path)",
    )
    parser.add_argument(
        "--channels",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also each channel and a fallback chain, at a modest rate",
    )
    args = parser.parse_args()
    infra = LocalInfra(infra_settings_for_tests())
    infra.start(reuse=True)
    failures = Failures()
    print(f"bench/submit.py on {os.cpu_count()} cores, {load()}")
    try:
        if not args.skip_gateway:
            gateway_phase(infra, args)
        if not args.skip_e2e:
            pipeline_phases(infra, args, failures)
    finally:
        infra.stop()
    if failures.unexplained:
        print("\nFAILED: phases that delivered less than they submitted, without a reason the bench could see:")
        for line in failures.unexplained:
            print(f"  {line}")
        sys.exit(1)


if __name__ == "__main__":
    main()
