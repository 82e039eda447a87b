"""Campaign figures.

1. A generated CSV of ROWS rows (header, two template variables, 2% bad rows of every
   kind: not a number, wrong variable count, a control character in a variable,
   duplicate, blacklisted, not UTF-8) uploaded to the campaigns service, validated and
   queued (scheduled a day ahead so it stays QUEUED): seconds end to end (upload start
   to QUEUED), rows/s, the service's peak RSS (VmHWM), and the ratio to raw pipelined
   Kafka produce (bench/infra.py's figure) measured in the same run. Also the recipient
   check's two paths (phonenumbers' parse vs the campaigns fast path) per number.
2. A DISPATCH_ROWS-row SMS campaign through the SMPP sandbox (sandbox, sms-connector,
   gateway, campaigns, each its own process): the rate it sustains (published, and
   accepted by the SMSC per msg.status), and single API sends of the same account and
   sender ID at SINGLE_RATE/s before and while it runs: the gateway's 202 latency and
   submit-to-DELIVERED latency, p50 and p99.

Run: uv run python bench/campaigns.py [--rows 1000000] [--dispatch-rows 50000] [--rate 400]
"""

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).parent))
from infra import produce_pipelined
from submit import Platform, sms_body

from cpaas.contracts.phone import InvalidPhoneNumber, normalize_e164
from cpaas.local.infra import LocalInfra
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.platform.kafka_admin import ensure_topics

CAMPAIGNS_PORT, GATEWAY_PORT, SANDBOX_PORT, SMPP_PORT, SMS_PORT = 18096, 18081, 18090, 12775, 18084
BAD_SHARE = 0.02
BAD_KINDS = ("number", "count", "control", "duplicate", "blacklisted", "utf8")
SINGLE_RATE = 20  # single API sends a second while the campaign runs
AIM_SECONDS, AIM_RSS_MB = 60, 200


def number(i: int) -> str:
    return f"+9198{i:08d}"


def generate(path: Path, rows: int) -> tuple[list[str], dict[str, int]]:
    """The CSV, and the numbers to blacklist; bad rows spread evenly, of every kind."""
    rng = random.Random(21)
    bad_every = int(1 / BAD_SHARE)
    counts = dict.fromkeys(BAD_KINDS, 0)
    blacklisted: list[str] = []
    with path.open("wb") as out:
        out.write(b"phone,code,minutes\n")
        for i in range(rows):
            line = f"{number(i)},{rng.randrange(10**6):06d},10\n".encode()
            if i % bad_every == bad_every - 1:
                kind = BAD_KINDS[(i // bad_every) % len(BAD_KINDS)]
                counts[kind] += 1
                line = {
                    "number": f"+91123{i:06d},1,2\n".encode(),
                    "count": f"{number(i)},only-one\n".encode(),
                    "control": f"{number(i)},bad\x1b,2\n".encode(),
                    "duplicate": f"{number(i - 1)},1,2\n".encode(),
                    "blacklisted": line,
                    "utf8": f"{number(i)},".encode() + b"\xff\xfe,2\n",
                }[kind]
                if kind == "blacklisted":
                    blacklisted.append(number(i))
            out.write(line)
    return blacklisted, counts


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def check_paths(count: int = 100_000) -> tuple[float, float]:
    from cpaas.campaigns.domain.numbers import to_e164

    numbers = [number(i * 7919 % 10**8) for i in range(count)]

    def rule(raw: str) -> None:
        with contextlib.suppress(InvalidPhoneNumber):
            normalize_e164(raw)

    timings = []
    for check in (rule, to_e164):
        started = time.perf_counter()
        for raw in numbers:
            check(raw)
        timings.append((time.perf_counter() - started) / count * 1e6)
    return timings[0], timings[1]


async def file_chunks(path: Path, size: int = 1 << 20):
    with path.open("rb") as source:
        while data := source.read(size):
            yield data


def multipart(path: Path, fields: dict[str, str]) -> tuple[str, object]:
    boundary = "----cpaasbench" + str(random.randrange(10**12))

    async def body():
        for name, value in fields.items():
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        async for data in file_chunks(path):
            yield data
        yield f"\r\n--{boundary}--\r\n".encode()

    return f"multipart/form-data; boundary={boundary}", body()


async def upload_and_queue(platform: Platform, creds: dict, rows: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="cpaas-bench-campaign-"))
    path = workdir / "recipients.csv"
    started = time.perf_counter()
    blacklisted, counts = generate(path, rows)
    print(
        f"  generated {rows:,} rows ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - started:.1f}s;"
        f" bad rows by kind: {counts}"
    )
    conn = await asyncpg.connect(platform.pg.dsn)
    await conn.executemany(
        "INSERT INTO console.blacklist (account_id, recipient) VALUES ($1, $2)",
        [(creds["accountId"], n) for n in blacklisted],
    )
    await conn.close()
    platform.start(
        "cpaas.campaigns",
        CAMPAIGNS_PORT,
        CPAAS_CAMPAIGNS_HTTP_PORT=str(CAMPAIGNS_PORT),
        CPAAS_CAMPAIGNS_INTERNAL_PORT="19196",
    )
    pid = platform.procs[-1].pid
    fields = {
        "name": "bench_million",
        "channel": "SMS",
        "templateId": str(creds["templates"]["SMS"]),
        "senderId": creds["senderId"],
        "scheduledAt": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    content_type, body = multipart(path, fields)
    headers = {"X-API-Key": creds["apiKey"], "Content-Type": content_type}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{CAMPAIGNS_PORT}", timeout=600) as http:
        began = time.perf_counter()
        response = await http.post("/api/v1/campaigns", content=body, headers=headers)
        uploaded = time.perf_counter() - began
        assert response.status_code == 201, response.text
        campaign_id = response.json()["id"]
        while True:
            campaign = (await http.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)).json()
            if campaign["status"] != "CREATED":
                break
            await asyncio.sleep(0.2)
        total = time.perf_counter() - began
    rss = peak_rss_mb(pid)
    platform.stop_all()
    expected_bad = sum(counts.values())
    return {
        "status": campaign["status"],
        "total": campaign["total"],
        "rejected": campaign["rejected"],
        "expected_rejected": expected_bad,
        "upload_s": uploaded,
        "end_to_end_s": total,
        "rows_per_s": rows / total,
        "peak_rss_mb": rss,
    }


async def dispatch_with_singles(platform: Platform, creds: dict, rows: int, rate: float) -> dict:
    platform.start(
        "cpaas.sandbox",
        SANDBOX_PORT,
        CPAAS_SANDBOX_HTTP_PORT=str(SANDBOX_PORT),
        CPAAS_SANDBOX_SMPP_PORT=str(SMPP_PORT),
        CPAAS_SANDBOX_RECEIPT_DELAY_SECONDS="0",
    )
    platform.start(
        "cpaas.sms_connector",
        SMS_PORT,
        CPAAS_SMS_CONNECTOR_HTTP_PORT=str(SMS_PORT),
        CPAAS_SMS_CONNECTOR_SMPP_PORT=str(SMPP_PORT),
    )
    platform.start(
        "cpaas.gateway", GATEWAY_PORT, CPAAS_GATEWAY_HTTP_PORT=str(GATEWAY_PORT), CPAAS_GATEWAY_INTERNAL_PORT="19181"
    )
    platform.start(
        "cpaas.campaigns",
        CAMPAIGNS_PORT,
        CPAAS_CAMPAIGNS_HTTP_PORT=str(CAMPAIGNS_PORT),
        CPAAS_CAMPAIGNS_INTERNAL_PORT="19196",
        CPAAS_CAMPAIGNS_CAMPAIGN_RATE_PER_SECOND=str(rate),
        CPAAS_CAMPAIGNS_ACCOUNT_RATE_PER_SECOND=str(rate),
        CPAAS_CAMPAIGNS_DISPATCH_BATCH_MAX="1000",
    )
    watcher = StatusWatcher(platform)
    await watcher.start()
    try:
        baseline = await singles(creds, watcher, seconds=10)
        csv = "phone,code,minutes\n" + "".join(f"+9199{i:07d}0,{i % 10**6:06d},5\n" for i in range(rows))
        headers = {"X-API-Key": creds["apiKey"]}
        fields = {
            "name": "bench_dispatch",
            "channel": "SMS",
            "templateId": str(creds["templates"]["SMS"]),
            "senderId": creds["senderId"],
        }
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{CAMPAIGNS_PORT}", timeout=120) as http:
            response = await http.post(
                "/api/v1/campaigns", data=fields, files={"file": ("d.csv", csv.encode())}, headers=headers
            )
            assert response.status_code == 201, response.text
            campaign_id = response.json()["id"]
            while (await http.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)).json()[
                "status"
            ] != "PROCESSING":
                await asyncio.sleep(0.1)
            began = time.perf_counter()
            during_task = asyncio.create_task(singles(creds, watcher, seconds=max(10.0, rows / rate * 0.6)))
            while (await http.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)).json()["status"] != "COMPLETED":
                await asyncio.sleep(0.2)
            published_s = time.perf_counter() - began
            during = await during_task
            async with asyncio.timeout(300):
                while watcher.campaign_accepted < rows:
                    await asyncio.sleep(0.2)
            accepted_s = watcher.last_campaign_accept - began
    finally:
        await watcher.stop()
        platform.stop_all()
    return {
        "rows": rows,
        "campaign_rate_setting": rate,
        "published_per_s": rows / published_s,
        "smsc_accepted_per_s": rows / accepted_s,
        "baseline": baseline,
        "during": during,
    }


class StatusWatcher:
    """Timestamps SUBMITTED_OPERATOR and DELIVERED events from msg.status."""

    def __init__(self, platform: Platform) -> None:
        self.consumer = AIOKafkaConsumer(
            platform.kafka.topic("msg.status"),
            bootstrap_servers=platform.kafka.bootstrap_servers,
            auto_offset_reset="latest",
            group_id=f"{platform.tag}-watch",
        )
        self.delivered: dict[str, float] = {}
        self.campaign_accepted = 0
        self.last_campaign_accept = 0.0
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.consumer.start()
        await asyncio.sleep(2)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for record in self.consumer:
            data = json.loads(record.value)["data"]
            if data.get("campaignId") and data["status"] == "SUBMITTED_OPERATOR":
                self.campaign_accepted += 1
                self.last_campaign_accept = time.perf_counter()
            elif data["status"] == "DELIVERED":
                self.delivered.setdefault(data["messageId"], time.perf_counter())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self.consumer.stop()


async def singles(creds: dict, watcher: StatusWatcher, *, seconds: float) -> dict:
    """Single API sends at SINGLE_RATE/s: 202 latency and submit-to-DELIVERED latency."""
    accepted: dict[str, float] = {}
    answer_ms: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{GATEWAY_PORT}", timeout=10) as http:
        count = int(seconds * SINGLE_RATE)
        started = time.perf_counter()
        for n in range(count):
            await asyncio.sleep(max(0.0, started + n / SINGLE_RATE - time.perf_counter()))
            sent = time.perf_counter()
            response = await http.post(
                "/api/v1/messages/submit",
                json=sms_body(creds, f"+9197{n:07d}0"),
                headers={"X-API-Key": creds["apiKey"]},
            )
            if response.status_code == 202:
                answer_ms.append((time.perf_counter() - sent) * 1000)
                accepted[response.json()["messageId"]] = sent
    async with asyncio.timeout(30):
        while any(m not in watcher.delivered for m in accepted):
            await asyncio.sleep(0.2)
    e2e = sorted((watcher.delivered[m] - t) * 1000 for m, t in accepted.items())
    return {
        "sends": len(accepted),
        "answer_p50_ms": statistics.median(answer_ms),
        "answer_p99_ms": statistics.quantiles(answer_ms, n=100)[98],
        "delivered_p50_ms": statistics.median(e2e),
        "delivered_p99_ms": statistics.quantiles(e2e, n=100)[98],
    }


def report_upload(up: dict, raw: float) -> None:
    print(
        f"  status {up['status']}: total {up['total']:,}, rejected {up['rejected']:,}"
        f" (generated bad: {up['expected_rejected']:,})"
    )
    print(
        f"  upload answered 201 after {up['upload_s']:.1f}s; QUEUED after {up['end_to_end_s']:.1f}s"
        f" (aim < {AIM_SECONDS}s): {up['rows_per_s']:,.0f} rows/s = {up['rows_per_s'] / raw:.2f} x raw produce"
    )
    print(f"  campaigns service peak RSS {up['peak_rss_mb']:.0f} MB (aim <= {AIM_RSS_MB} MB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dispatch-rows", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=400.0, help="campaign and account rate of the dispatch run")
    parser.add_argument("--skip-dispatch", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    args = parser.parse_args()
    infra = LocalInfra(infra_settings_for_tests())
    infra.start(reuse=True)
    asyncio.run(run(args, infra))


async def run(args: argparse.Namespace, infra: LocalInfra) -> None:
    slow_us, fast_us = check_paths()
    print(f"recipient check: phonenumbers parse {slow_us:.1f} us/number, campaigns fast path {fast_us:.1f} us/number")
    platform = Platform(infra)
    try:
        creds = await platform.prepare()
        topic = f"bench.{uuid.uuid4().hex[:8]}"  # a topic of its own: no service reads it
        await ensure_topics(infra.kafka_settings(), {topic: 6})
        await asyncio.sleep(1)
        raw = await produce_pipelined(platform.kafka.bootstrap_servers, topic)
        print(f"raw pipelined Kafka produce (bench/infra.py, same run): {raw:,.0f} msg/s")
        if not args.skip_upload:
            print(f"1. upload, validate and queue {args.rows:,} rows")
            report_upload(await upload_and_queue(platform, creds, args.rows), raw)
        if not args.skip_dispatch:
            print(
                f"2. a {args.dispatch_rows:,}-row SMS campaign at {args.rate:.0f}/s through the SMPP sandbox,"
                f" single API sends at {SINGLE_RATE}/s"
            )
            d = await dispatch_with_singles(platform, creds, args.dispatch_rows, args.rate)
            print(
                f"  sustained: published {d['published_per_s']:,.0f}/s, accepted by the SMSC {d['smsc_accepted_per_s']:,.0f}/s"
            )
            for label in ("baseline", "during"):
                s = d[label]
                print(
                    f"  single sends {label:>8} ({s['sends']}): 202 p50 {s['answer_p50_ms']:.1f} ms"
                    f" p99 {s['answer_p99_ms']:.1f} ms; submit->DELIVERED p50 {s['delivered_p50_ms']:.0f} ms"
                    f" p99 {s['delivered_p99_ms']:.0f} ms"
                )
    finally:
        platform.stop_all()
        await platform.drop()


if __name__ == "__main__":
    main()
