"""Gateway and end-to-end figures.

1. Accepted submits/s at one gateway process: `wrk` (Debian package, installed by
   `make bench`) with 64 connections on loopback POSTs the demo SMS; the gateway answers
   202 only once the event is in Kafka (acks=all).
2. End-to-end latency, submit to DELIVERED, at a fixed rate through the SMPP sandbox with
   its receipt delay set to zero: a driver submits over HTTP at RATE/s for SECONDS and a
   consumer of msg.status timestamps each DELIVERED (p50, p99, and the rate sustained).

Every service runs as its own process, as in `make run`, against the test servers (a
bench database and a bench topic prefix of their own).

Run: uv run python bench/submit.py [--rate 1000] [--seconds 20] [--skip-e2e] [--idempotency-key]
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer

from cpaas.billing.seed import ensure_opening_balance
from cpaas.console.seed import seed
from cpaas.local.infra import LocalInfra
from cpaas.local.processes import spawn, stop, wait_for_ready
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.platform.db import create_pool
from cpaas.platform.kafka_admin import ensure_topics
from cpaas.platform.settings import KafkaSettings, PostgresSettings

GATEWAY_PORT, SANDBOX_HTTP_PORT, SMPP_PORT = 18081, 18090, 12775
CONNECTIONS = 64
WRK_SECONDS = 10
TARGET_SUBMITS = 5_000
LOCAL_INFRA_AWAITED_X64 = 18_600
BENCH_BALANCE_MINOR = 10**12  # the credit check runs (cached), never refuses
BENCH_RATE_LIMIT = 1_000_000  # the per-key limit would otherwise cap the figure at 1,000/s


class Platform:
    """The bench's own database, topic prefix and service processes."""

    def __init__(self, infra: LocalInfra) -> None:
        self.infra = infra
        self.tag = f"bench{uuid.uuid4().hex[:8]}"
        self.db = self.tag
        self.kafka = KafkaSettings(bootstrap_servers=infra.settings.kafka_bootstrap, topic_prefix=f"{self.tag}.")
        self.pg = PostgresSettings(dsn=infra.postgres.admin_dsn(self.db))
        self.procs: list[subprocess.Popen] = []
        self.logdir = Path(tempfile.mkdtemp(prefix="cpaas-bench-"))

    async def prepare(self) -> dict:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'CREATE DATABASE "{self.db}"')
        await admin.close()
        await ensure_topics(self.kafka)
        creds = await seed(self.pg, self.logdir / "creds.json")
        pool = await create_pool(self.pg, schema="billing", application_name="bench")
        await ensure_opening_balance(pool, creds["accountId"], BENCH_BALANCE_MINOR, "bench")
        await pool.close()
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

    def start(self, module: str, port: int, **env: str) -> None:
        name = module.rsplit(".", 1)[-1]
        proc = spawn([sys.executable, "-m", module], env=self.env(**env), log_file=self.logdir / f"{name}.log")
        self.procs.append(proc)
        wait_for_ready(port, 60, proc, name)  # the port opens before the service has started

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            stop(proc, timeout=20)
        self.procs.clear()

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.infra.postgres.admin_dsn())
        await admin.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        await admin.close()


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
        "accepted_per_s": (requests - bad_status) / (duration_us / 1e6),
        "non_2xx": bad_status,
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
    }


async def end_to_end(platform: Platform, creds: dict, rate: int, seconds: int, body: dict | None = None) -> dict:
    submitted: dict[str, float] = {}
    delivered: dict[str, float] = {}
    consumer = AIOKafkaConsumer(
        platform.kafka.topic("msg.status"),
        bootstrap_servers=platform.kafka.bootstrap_servers,
        auto_offset_reset="latest",
        group_id=f"{platform.tag}-latency",
    )
    await consumer.start()
    await asyncio.sleep(2)  # group join before the clock starts

    async def watch() -> None:
        async for record in consumer:
            event = json.loads(record.value)
            if event["data"]["status"] in ("DELIVERED", "READ"):
                delivered.setdefault(event["subject"], time.perf_counter())

    watcher = asyncio.create_task(watch())
    print(f"  driving {rate}/s for {seconds}s...", flush=True)
    body = json.dumps(body or sms_body(creds)).encode()
    request = (
        f"POST /api/v1/messages/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {creds['apiKey']}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    connections = [await asyncio.open_connection("127.0.0.1", GATEWAY_PORT) for _ in range(CONNECTIONS)]
    idle: asyncio.Queue = asyncio.Queue()
    for connection in connections:
        idle.put_nowait(connection)

    async def one() -> None:
        reader, writer = await idle.get()
        started = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        answer = await reader.readexactly(length)
        idle.put_nowait((reader, writer))
        if b" 202 " in status_line:
            submitted[json.loads(answer)["messageId"]] = started

    tasks = []
    begin = time.perf_counter()
    for i in range(rate * seconds):  # open loop: requests start on schedule, not when the last returned
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    send_seconds = time.perf_counter() - begin
    for _, writer in connections:
        writer.close()
    print(f"  sent {len(submitted)} in {send_seconds:.1f}s; waiting for receipts...", flush=True)
    deadline = time.perf_counter() + 30
    while len(delivered.keys() & submitted.keys()) < len(submitted) and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    watcher.cancel()
    await consumer.stop()
    latencies = sorted((delivered[m] - submitted[m]) * 1000 for m in submitted if m in delivered)
    return {
        "offered_per_s": rate,
        "submitted": len(submitted),
        "delivered": len(latencies),
        "submit_rate_achieved": len(submitted) / send_seconds,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan"),
    }


CHANNEL_RATE, CHANNEL_SECONDS = 20, 10  # the sandbox (one process for four carriers) is the limit above this


def start_pipeline(platform: Platform) -> None:
    """Every channel's sandbox API and connector, the router and the SMPP path, on bench ports."""
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
    platform.start(
        "cpaas.sms_connector",
        18084,
        CPAAS_SMS_CONNECTOR_HTTP_PORT="18084",
        CPAAS_SMS_CONNECTOR_SMPP_PORT=str(SMPP_PORT),
    )
    platform.start(
        "cpaas.wa_connector",
        18085,
        CPAAS_WA_CONNECTOR_HTTP_PORT="18085",
        CPAAS_WA_CONNECTOR_BASE_URL="http://127.0.0.1:18092",
    )
    platform.start(
        "cpaas.rcs_connector",
        18086,
        CPAAS_RCS_CONNECTOR_HTTP_PORT="18086",
        CPAAS_RCS_CONNECTOR_BASE_URL="http://127.0.0.1:18093",
    )
    platform.start(
        "cpaas.voice_connector",
        18087,
        CPAAS_VOICE_CONNECTOR_HTTP_PORT="18087",
        CPAAS_VOICE_CONNECTOR_API_BASE_URL="http://127.0.0.1:18094",
        CPAAS_VOICE_CONNECTOR_PUBLIC_BASE_URL="http://127.0.0.1:18087",
    )
    platform.start("cpaas.router", 18091, CPAAS_ROUTER_HTTP_PORT="18091")


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


def print_e2e(e2e: dict) -> None:
    print(
        f"  offered {e2e['offered_per_s']:,}/s, achieved {e2e['submit_rate_achieved']:,.0f}/s,"
        f" submitted {e2e['submitted']:,}, delivered {e2e['delivered']:,}"
    )
    print(f"  latency submit -> DELIVERED p50 {e2e['p50_ms']:.1f} ms, p99 {e2e['p99_ms']:.1f} ms")


def print_gateway(gateway: dict, *, idempotency_key: bool = False) -> None:
    keys = ", a fresh Idempotency-Key on each request" if idempotency_key else ""
    print(f"\ngateway, {CONNECTIONS} connections, {WRK_SECONDS}s, one process{keys}:")
    print(
        f"  accepted submits/s   {gateway['accepted_per_s']:>10,.0f}   target {TARGET_SUBMITS:,}"
        f"   ratio {gateway['accepted_per_s'] / TARGET_SUBMITS:.2f}"
    )
    print(
        f"  vs LOCAL-INFRA send_and_wait x64 {LOCAL_INFRA_AWAITED_X64:,}/s: ratio "
        f"{gateway['accepted_per_s'] / LOCAL_INFRA_AWAITED_X64:.2f}"
    )
    print(f"  latency p50 {gateway['p50_ms']:.1f} ms, p99 {gateway['p99_ms']:.1f} ms, non-2xx {gateway['non_2xx']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-gateway", action="store_true", help="only the end-to-end figure")
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
    platform = Platform(infra)
    try:
        creds = asyncio.run(platform.prepare())
        platform.start(
            "cpaas.gateway",
            GATEWAY_PORT,
            CPAAS_GATEWAY_HTTP_PORT=str(GATEWAY_PORT),
            CPAAS_GATEWAY_SUBMIT_RATE_PER_SECOND=str(BENCH_RATE_LIMIT),
        )
        gateway = None if args.skip_gateway else run_wrk(creds, idempotency_key=args.idempotency_key)
        if gateway:
            print_gateway(gateway, idempotency_key=args.idempotency_key)
        if not args.skip_e2e:
            start_pipeline(platform)
            asyncio.run(register_waba_numbers(platform))
            e2e = asyncio.run(end_to_end(platform, creds, args.rate, args.seconds))
            print(f"\nend to end, submit -> DELIVERED through the SMPP sandbox (receipt delay 0), {args.seconds}s:")
            print_e2e(e2e)
            print("  (target 1,000/s sustained with p99 < 100 ms)")
            if args.channels:
                for name, body in channel_bodies(creds).items():
                    figures = asyncio.run(end_to_end(platform, creds, CHANNEL_RATE, CHANNEL_SECONDS, body))
                    print(f"\n{name}, {CHANNEL_RATE}/s for {CHANNEL_SECONDS}s, sandbox delays 0:")
                    print_e2e(figures)
    finally:
        platform.stop_all()
        asyncio.run(platform.drop())
        infra.stop()
        print(f"\nservice logs: {platform.logdir}")


if __name__ == "__main__":
    main()
