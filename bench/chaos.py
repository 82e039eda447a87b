"""`make chaos`: a bounded kill -9 run of the whole platform, printed as a table.

The platform runs as `make run` runs it (every service its own process, on its `make run`
port, seeded with the demo account), with Kafka and PostgreSQL of its own (free ports, data
in a temporary directory). While a client submits SMS, WhatsApp and RCS -> WhatsApp -> SMS
fallback messages through the public API at a steady rate, each with its own
Idempotency-Key and retried under that key until it is answered (as a careful client
does), every service in turn is killed with SIGKILL and restarted at once (as Kubernetes
restarts a pod), then Kafka, then PostgreSQL. Then it waits for the messages to settle and
counts, from the client's answers, the carrier sandbox's logs, the message log, the ledger
and a webhook receiver:

- lost: answered 202 but never in the message log (a 202 for a message that never existed);
- stuck: in the log but not in a final status once the run settled;
- two ids for one key: an Idempotency-Key answered with two different message ids;
- sent twice: a message (its unique text) that a carrier received twice on one channel;
- charged twice: a (message, attempt) with two ledger entries, or a balance that is not the
  opening balance minus the ledger;
- receipts twice: a (message, attempt, status) POSTed twice to the webhook receiver (and the
  window within which the repeats came).

With `--replicas N` (N >= 2) it is the scale-out run instead: N processes of every
connector, the gateway, billing, router, reporting and webhooks (the client spreading its
submits over the gateways, as a load balancer would, and moving to another when one does
not answer); mid-traffic, for each of those services in turn, one replica more is started
(replica N + 1: its consumer groups rebalance) and, once all are added, replica 2 of each
is killed with SIGKILL and not restarted (its partitions move to the others when its
session times out). Kafka and PostgreSQL stay up. The counts are the same.

A non-zero count is a bug. Run: uv run python bench/chaos.py [--count 1200] [--rate 20]
[--replicas 2] (stop `make run` first: the services use its ports).
"""

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response

from cpaas.local.infra import LocalInfra
from cpaas.local.launcher import SERVICES, ServiceSpec, replica, seed_demo, service_env
from cpaas.local.processes import port_open, spawn, stop, wait_for_ready
from cpaas.local.settings import LocalSettings
from cpaas.platform.serve import bind_socket, serving

GATEWAY = "http://127.0.0.1:8081"
CONSOLE = "http://127.0.0.1:8088"
SANDBOX = "http://127.0.0.1:8090"
FINAL = {"DELIVERED", "READ", "FAILED", "UNDELIVERED"}
RETRYABLE = {409, 429, 500, 502, 503, 504}
FREEZE_SECONDS = 40  # past the producer's request timeout (30 s), as in the run
KILL_ORDER = ("gateway", "sms-connector", "billing", "reporting", "router", "webhooks", "wa-connector", "rcs-connector")
# --replicas: the services that run N processes, in the order one is added to / killed of each
REPLICATED = (
    "gateway",
    "sms-connector",
    "billing",
    "reporting",
    "router",
    "webhooks",
    "wa-connector",
    "rcs-connector",
    "voice-connector",
)
KILLED_REPLICA = 2  # replica 1 keeps the ports the sandbox posts its webhooks to (a load balancer's job)
# short deadlines, so that what a kill leaves hanging shows within the run (production: hours)
CHAOS_ENV = {
    "CPAAS_ROUTER_RECEIPT_TIMEOUT_SECONDS": json.dumps({"RCS": 20, "WHATSAPP": 20, "SMS": 30, "VOICE": 30}),
    "CPAAS_SANDBOX_RECEIVED_LOG_SIZE": "200000",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    spec: ServiceSpec
    proc: subprocess.Popen
    log: Path


class Platform:
    """Kafka, PostgreSQL and every service, each of which this run can kill and restart."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str], replicas: int = 1) -> None:
        self.settings = LocalSettings(
            data_dir=data_dir, kafka_port=_free_port(), kafka_controller_port=_free_port(), pg_port=_free_port()
        )
        self.infra = LocalInfra(self.settings)
        self.extra_env = extra_env
        self.replicas = replicas
        self.services: dict[str, Service] = {}
        self.killed: list[Service] = []

    def planned(self) -> list[ServiceSpec]:
        n = self.replicas
        return [replica(s, i) for s in SERVICES for i in range(1, (n if s.name in REPLICATED else 1) + 1)]

    def start(self) -> dict:
        extra = [replica(s, self.replicas + 1) for s in SERVICES if s.name in REPLICATED] if self.replicas > 1 else []
        busy = [s.port for s in self.planned() + extra if port_open(s.port)]
        if busy:
            raise SystemExit(f"ports {busy} are in use: stop `make run` first")
        self.infra.start()
        creds = seed_demo(self.settings)
        for spec in self.planned():
            self._start(spec)
        for service in list(self.services.values()):
            wait_for_ready(service.spec.port, 120, service.proc, service.spec.name)
        return creds

    def gateway_ports(self) -> list[int]:
        """The gateways started (a killed one stays listed: the client finds it gone)."""
        return [s.spec.port for s in self.services.values() if s.spec.module == "cpaas.gateway"]

    def add_replica(self, name: str, n: int) -> ServiceSpec:
        """Replica n of a service started beside the running ones; returns once it is ready."""
        spec = replica(next(s for s in SERVICES if s.name == name), n)
        self._start(spec)
        wait_for_ready(spec.port, 120, self.services[spec.name].proc, spec.name)
        return spec

    def kill(self, name: str) -> ServiceSpec:
        """SIGKILL, not restarted (a replica fewer)."""
        service = self.services.pop(name)
        service.proc.send_signal(signal.SIGKILL)
        service.proc.wait()
        self.killed.append(service)
        return service.spec

    def _start(self, spec: ServiceSpec) -> None:
        log = self.settings.logs_dir / f"{spec.name}.log"
        env = {**service_env(self.settings, spec), **self.extra_env}
        proc = spawn([sys.executable, "-m", spec.module], env=env, log_file=log)
        self.services[spec.name] = Service(spec, proc, log)

    def kill_and_restart(self, name: str) -> None:
        service = self.services[name]
        service.proc.send_signal(signal.SIGKILL)
        service.proc.wait()
        self._start(service.spec)

    def kill_kafka(self) -> None:
        assert self.infra.kafka.proc is not None
        self.infra.kafka.proc.send_signal(signal.SIGKILL)
        self.infra.kafka.proc.wait()
        self.infra.kafka.proc = None

    def kill_postgres(self) -> None:
        assert self.infra.postgres.proc is not None
        self.infra.postgres.proc.send_signal(signal.SIGKILL)
        self.infra.postgres.proc.wait()
        self.infra.postgres.proc = None
        deadline = time.monotonic() + 30
        while port_open(self.settings.pg_port) and time.monotonic() < deadline:
            time.sleep(0.2)  # its backends notice the postmaster's death and exit

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            stop(service.proc, timeout=20)
        self.infra.owned = True
        self.infra.stop()


@dataclass
class Receiver:
    """The customer's webhook endpoint: records every receipt POSTed to it."""

    posts: list[tuple[float, dict]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/receipts")
        async def receipt(request: Request) -> Response:
            self.posts.append((time.monotonic(), json.loads(await request.body())))
            return Response(status_code=200)

        return app


@dataclass
class Client:
    """A careful API client: one Idempotency-Key per message, retried until answered."""

    key: str
    templates: dict
    gateways: list[str] = field(default_factory=lambda: [GATEWAY])  # base URLs, taken in turn
    answers: dict[str, set[str]] = field(default_factory=lambda: collections.defaultdict(set))
    kinds: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> kind
    tokens: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> unique text token
    refused: collections.Counter = field(default_factory=collections.Counter)
    retries: int = 0
    turn: int = 0

    def gateway(self) -> str:
        """The next gateway in turn: a retry after one did not answer goes to another."""
        self.turn += 1
        return self.gateways[self.turn % len(self.gateways)]

    def body(self, i: int) -> tuple[str, dict]:
        token = f"{i:06d}"
        kind = ("sms", "whatsapp", "fallback")[i % 3]
        t = self.templates
        if kind == "sms":
            return kind, {
                "recipient": f"+9198{i:05d}100",
                "channel": "SMS",
                "templateId": t["SMS"],
                "senderId": "CPAASD",
                "variables": [token, "10"],
            }
        if kind == "whatsapp":
            return kind, {
                "recipient": f"+9197{i:05d}100",
                "channel": "WHATSAPP",
                "templateId": t["WHATSAPP"],
                "variables": [token, "10"],
            }
        return kind, {
            "recipient": f"+9196{i:05d}903",
            "channel": "RCS",
            "templateId": t["RCS"],
            "variables": [token, "10"],
            "fallback": [  # each level its own variables (the token in each, for the carrier counts)
                {"channel": "WHATSAPP", "templateId": t["WHATSAPP"], "variables": [token, "10"]},
                {"channel": "SMS", "templateId": t["SMS"], "senderId": "CPAASD", "variables": [token, "10"]},
            ],
        }

    async def send(self, http: httpx.AsyncClient, run: str, i: int, give_up_at: float) -> None:
        kind, body = self.body(i)
        key = f"chaos-{run}-{i}"
        self.kinds[key], self.tokens[key] = kind, body["variables"][0]
        headers = {"X-API-Key": self.key, "Idempotency-Key": key}
        pause = 0.2
        while time.monotonic() < give_up_at:
            try:
                url = f"{self.gateway()}/api/v1/messages/submit"
                response = await http.post(url, json=body, headers=headers, timeout=10)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 202:
                self.answers[key].add(response.json()["messageId"])
                return
            if response is not None and response.status_code not in RETRYABLE:
                self.refused[f"{response.status_code} {response.json().get('error', {}).get('code')}"] += 1
                return
            self.retries += 1
            await asyncio.sleep(pause + random.random() * pause)
            pause = min(pause * 2, 3.0)
        self.refused["gave up (no answer)"] += 1


async def _console_session(http: httpx.AsyncClient, creds: dict) -> dict[str, str]:
    user = creds["user"]
    response = await http.post("/api/auth/login", json={"username": user["username"], "password": user["password"]})
    response.raise_for_status()
    return {"X-CSRF-Token": response.json()["csrfToken"]}


async def _faults(platform: Platform, every: float, log: list[str], ready: asyncio.Event) -> None:
    await ready.wait()
    for name in KILL_ORDER:
        await asyncio.sleep(every)
        platform.kill_and_restart(name)
        log.append(f"{time.strftime('%H:%M:%S')} kill -9 {name}, restarted")
    await asyncio.sleep(every)
    # Kafka frozen while submits are in flight, and the gateway killed meanwhile: the replies
    # the clients' retries get must never point at a message that was not queued
    kafka = platform.infra.kafka.proc
    assert kafka is not None
    kafka.send_signal(signal.SIGSTOP)
    log.append(f"{time.strftime('%H:%M:%S')} kafka frozen (SIGSTOP)")
    await asyncio.sleep(2)
    platform.kill_and_restart("gateway")
    log.append(f"{time.strftime('%H:%M:%S')} kill -9 gateway while kafka is frozen, restarted")
    await asyncio.sleep(FREEZE_SECONDS)
    kafka.send_signal(signal.SIGCONT)
    log.append(f"{time.strftime('%H:%M:%S')} kafka thawed (SIGCONT)")
    await asyncio.sleep(every)
    platform.kill_kafka()
    log.append(f"{time.strftime('%H:%M:%S')} kill -9 kafka")
    await asyncio.sleep(3)
    await asyncio.to_thread(platform.infra.kafka.start)
    log.append(f"{time.strftime('%H:%M:%S')} kafka started again")
    await asyncio.sleep(every)
    platform.kill_postgres()
    log.append(f"{time.strftime('%H:%M:%S')} kill -9 postgres")
    await asyncio.sleep(3)
    await asyncio.to_thread(platform.infra.postgres.start)
    log.append(f"{time.strftime('%H:%M:%S')} postgres started again")


async def _scale_faults(platform: Platform, client: Client, every: float, log: list[str], ready: asyncio.Event) -> None:
    """One replica more of each replicated service, in turn; then replica 2 of each killed."""
    await ready.wait()
    added = platform.replicas + 1
    for name in REPLICATED:
        await asyncio.sleep(every)
        spec = await asyncio.to_thread(platform.add_replica, name, added)
        log.append(f"{time.strftime('%H:%M:%S')} started {spec.name} (ready)")
        if name == "gateway":  # as a load balancer's health check would
            client.gateways.append(f"http://127.0.0.1:{spec.port}")
    for name in REPLICATED:
        await asyncio.sleep(every)
        spec = platform.kill(f"{name}-{KILLED_REPLICA}")
        log.append(f"{time.strftime('%H:%M:%S')} kill -9 {spec.name}, not restarted")
        if name == "gateway":  # the client's retries of requests it had in flight there go elsewhere
            client.gateways.remove(f"http://127.0.0.1:{spec.port}")


async def _settle(pg_dsn: str, ids: set[str], seconds: float) -> list[asyncpg.Record]:
    deadline = time.monotonic() + seconds
    rows: list[asyncpg.Record] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            conn = await asyncpg.connect(pg_dsn)
            try:
                rows = await conn.fetch(
                    "SELECT message_id, status, attempt, cost_minor FROM reporting.messages WHERE message_id = ANY($1)",
                    list(ids),
                )
            finally:
                await conn.close()
            if len(rows) == len(ids) and all(r["status"] in FINAL for r in rows):
                return rows
        await asyncio.sleep(2)
    return rows


def _missing_receipts(receiver: Receiver, rows: list[asyncpg.Record]) -> int:
    """Messages whose final status (of their last attempt) was never POSTed to the receiver."""
    got = {(p["messageId"], p["status"]) for _, p in receiver.posts}
    return sum(1 for r in rows if r["status"] in FINAL and (r["message_id"], r["status"]) not in got)


async def _receipts_settle(receiver: Receiver, rows: list[asyncpg.Record], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while _missing_receipts(receiver, rows) and time.monotonic() < deadline:
        await asyncio.sleep(1)
    await asyncio.sleep(3)  # and any repeats that are coming


async def _carrier_counts(http: httpx.AsyncClient, tokens: set[str]) -> dict[str, collections.Counter]:
    """Per channel, how many sends of each message (by its unique text token) the carriers got."""
    counts = {channel: collections.Counter() for channel in ("SMS", "WHATSAPP", "RCS")}
    smsc = (await http.get(f"{SANDBOX}/sandbox/smsc/messages", params={"limit": 10_000})).json()["messages"]
    for m in smsc:
        found = [t for t in [m["text"].split("OTP is ")[-1][:6]] if t in tokens]
        counts["SMS"].update(found)
        for token in found:
            EXAMPLES[token].append(f"sms {m['recipient']}")
    wa = (await http.get("http://127.0.0.1:8092/sandbox/whatsapp/messages")).json()["messages"]
    for m in wa:
        found = tokens.intersection(_words(json.dumps(m["request"])))
        counts["WHATSAPP"].update(found)
        for token in found:
            EXAMPLES[token].append(f"wa {m['to']} {m['outcome']} {m['http_status']} {m['wamid']}")
    rbm = (await http.get("http://127.0.0.1:8093/sandbox/rbm/messages")).json()["messages"]
    for m in rbm:
        if m["status_code"] == 200:
            counts["RCS"].update(t for t in tokens.intersection(_words(json.dumps(m["body"]))))
    return counts


EXAMPLES: dict[str, list[str]] = collections.defaultdict(list)  # token -> what the carriers saw


def _words(text: str) -> set[str]:
    return {w for w in "".join(c if c.isdigit() else " " for c in text).split() if len(w) == 6}


async def run(args: argparse.Namespace) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="cpaas-chaos-"))
    platform = Platform(data_dir, {**CHAOS_ENV, **dict(kv.split("=", 1) for kv in args.env)}, args.replicas)
    print(f"[chaos] data and service logs in {data_dir}", flush=True)
    receiver = Receiver()
    creds = await asyncio.to_thread(platform.start)
    templates = creds["templates"]
    fault_log: list[str] = []
    try:
        async with serving(receiver.app(), bind_socket()) as receiver_port, httpx.AsyncClient() as http:
            async with httpx.AsyncClient(base_url=CONSOLE) as console:
                csrf = await _console_session(console, creds)
                hook = f"http://127.0.0.1:{receiver_port}/receipts"
                (await console.put("/api/settings/webhook", json={"url": hook}, headers=csrf)).raise_for_status()
            client = Client(creds["apiKey"], templates, [f"http://127.0.0.1:{p}" for p in platform.gateway_ports()])
            run_id, started = uuid.uuid4().hex[:6], time.monotonic()
            ready = asyncio.Event()
            if args.replicas > 1:
                faults = asyncio.create_task(_scale_faults(platform, client, args.fault_every, fault_log, ready))
            else:
                faults = asyncio.create_task(_faults(platform, args.fault_every, fault_log, ready))
            async with httpx.AsyncClient() as gateway:
                sends = []
                for i in range(args.count):
                    if i == args.rate * 5:
                        ready.set()  # faults start after 5 s of clean traffic
                    give_up_at = time.monotonic() + args.give_up
                    sends.append(asyncio.create_task(client.send(gateway, run_id, i, give_up_at)))
                    await asyncio.sleep(max(0.0, started + (i + 1) / args.rate - time.monotonic()))
                ready.set()
                await faults
                await asyncio.gather(*sends)
            for line in fault_log:
                print(f"[chaos] {line}", flush=True)
            accepted = {key: ids for key, ids in client.answers.items()}
            message_ids = {mid for ids in accepted.values() for mid in ids}
            print(f"[chaos] {len(accepted)} accepted; waiting up to {args.settle:.0f}s for them to settle", flush=True)
            rows = await _settle(platform.settings.pg_dsn, message_ids, args.settle)
            await _receipts_settle(receiver, rows, args.settle)
            report = await _count(platform, http, client, accepted, rows, receiver)
            if args.replicas > 1:
                report["shared rate"] = await _shared_rate(platform, client)
    finally:
        await asyncio.to_thread(platform.stop)
    _print(report, client, args, time.monotonic() - started)
    return (
        1
        if any(
            report[k]
            for k in ("lost", "stuck", "two ids", "sent twice", "charged twice", "receipts twice", "receipts missing")
        )
        else 0
    )


async def _count(platform, http, client: Client, accepted, rows, receiver: Receiver) -> dict:
    by_id = {r["message_id"]: r for r in rows}
    ids = {mid for ids in accepted.values() for mid in ids}
    tokens = {client.tokens[key] for key in accepted}
    carriers = await _carrier_counts(http, tokens)
    conn = await asyncpg.connect(platform.settings.pg_dsn)
    try:
        double_charges = await conn.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM billing.ledger WHERE message_id = ANY($1)"
            " GROUP BY message_id, attempt, kind HAVING count(*) > 1) d",  # a charge and its refund are two kinds
            list(ids),
        )
        balance_gap = await conn.fetchval(
            "SELECT b.balance_minor - (SELECT coalesce(sum(amount_minor), 0) FROM billing.ledger l"
            " WHERE l.account_id = b.account_id) FROM billing.balances b WHERE b.account_id = $1",
            client_account(platform),
        )
    finally:
        await conn.close()
    per_receipt = collections.Counter(
        (p["messageId"], p.get("attempt"), p["status"]) for _, p in receiver.posts if p.get("messageId") in ids
    )
    first_seen: dict[tuple, float] = {}
    windows = []
    for at, p in receiver.posts:
        k = (p["messageId"], p.get("attempt"), p["status"])
        if k in first_seen:
            windows.append(at - first_seen[k])
        first_seen.setdefault(k, at)
    statuses = collections.Counter(r["status"] for r in rows)
    return {
        "submitted": len(client.kinds),
        "accepted": len(accepted),
        "lost": len(ids - by_id.keys()),
        "stuck": sum(1 for r in rows if r["status"] not in FINAL),
        "two ids": sum(1 for v in accepted.values() if len(v) > 1),
        "sent twice": sum(sum(1 for n in c.values() if n > 1) for c in carriers.values()),
        "sent twice by channel": {ch: sum(1 for n in c.values() if n > 1) for ch, c in carriers.items()},
        "carrier sends": {ch: sum(c.values()) for ch, c in carriers.items()},
        "receipts": len(per_receipt),
        "receipts missing": _missing_receipts(receiver, rows),
        "charged twice": double_charges + (1 if balance_gap else 0),
        "balance gap": balance_gap,
        "receipts twice": sum(1 for n in per_receipt.values() if n > 1),
        "repeat window": (min(windows), max(windows)) if windows else None,
        "statuses": dict(statuses),
    }


RATE_CHECK_PER_SECOND = 20  # the account's submit rate while it is checked
RATE_CHECK_SECONDS = 3.0
RATE_CHECK_SENDERS = 8  # concurrent submits per gateway: far above the rate


async def _shared_rate(platform: Platform, client: Client) -> dict:
    """After the count: the account's rate set to RATE_CHECK_PER_SECOND, every gateway
    flooded for RATE_CHECK_SECONDS; the 202s of all of them together (the budget is one
    bucket: RATE_CHECK_PER_SECOND x (1 + seconds), plus a slice per gateway at most)."""
    conn = await asyncpg.connect(platform.settings.pg_dsn)
    try:
        await conn.execute(
            "UPDATE console.accounts SET submit_rate_per_second = $1 WHERE id = $2",
            RATE_CHECK_PER_SECOND,
            client_account(platform),
        )
    finally:
        await conn.close()
    await asyncio.sleep(1.0)  # the console's NOTIFY evicts the cached account in every gateway
    answers: collections.Counter = collections.Counter()
    body = client.body(0)[1]
    until = time.monotonic() + RATE_CHECK_SECONDS

    async def flood(http: httpx.AsyncClient, gateway: str) -> None:
        while time.monotonic() < until:
            response = await http.post(
                f"{gateway}/api/v1/messages/submit", json=body, headers={"X-API-Key": client.key}, timeout=10
            )
            answers[(gateway, response.status_code)] += 1

    started = time.monotonic()
    async with httpx.AsyncClient() as http:
        await asyncio.gather(*(flood(http, g) for g in client.gateways for _ in range(RATE_CHECK_SENDERS)))
    seconds = time.monotonic() - started
    return {
        "gateways": len(client.gateways),
        "accepted": sum(n for (_, status), n in answers.items() if status == 202),
        "refused 429": sum(n for (_, status), n in answers.items() if status == 429),
        "per gateway": [answers[(g, 202)] for g in client.gateways],
        "budget": round(RATE_CHECK_PER_SECOND * (1 + seconds)),
        "seconds": round(seconds, 1),
    }


def client_account(platform: Platform) -> int:
    return json.loads((platform.settings.data_dir / "demo-credentials.json").read_text())["accountId"]


def _print(report: dict, client: Client, args: argparse.Namespace, seconds: float) -> None:
    scale = f", {args.replicas} replicas (+1, then -1, of each)" if args.replicas > 1 else ""
    print(
        f"\n[chaos] {args.count} messages at {args.rate}/s{scale}, a fault every {args.fault_every:.1f}s,"
        f" {seconds:.0f}s"
    )
    rows = [
        ("submitted (distinct keys)", report["submitted"]),
        ("accepted (202)", report["accepted"]),
        ("refused or given up", dict(client.refused) or 0),
        ("client retries under the same key", client.retries),
        ("lost (202, never in the log)", report["lost"]),
        ("stuck (not final after settling)", report["stuck"]),
        ("one key, two message ids", report["two ids"]),
        ("sent twice to a carrier", f"{report['sent twice']} {report['sent twice by channel']}"),
        ("charged twice", f"{report['charged twice']} (balance - ledger = {report['balance gap']})"),
        ("sends the carriers received (matched)", report["carrier sends"]),
        ("receipts received (distinct)", report["receipts"]),
        ("final status never POSTed to the webhook", report["receipts missing"]),
        ("receipts posted twice", report["receipts twice"]),
        (
            "repeat window (s)",
            "-" if report["repeat window"] is None else "{:.1f}-{:.1f}".format(*report["repeat window"]),
        ),
        ("final statuses", report["statuses"]),
    ]
    if "shared rate" in report:
        r = report["shared rate"]
        rows.append(
            (
                f"rate {RATE_CHECK_PER_SECOND}/s flooded on {r['gateways']} gateways for {r['seconds']}s",
                f"{r['accepted']} accepted {r['per gateway']} (budget {r['budget']}), {r['refused 429']} refused 429",
            )
        )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    doubles = [t for t, seen in EXAMPLES.items() if len(seen) != len(set(seen)) or _twice(seen)]
    for token in doubles[:5]:
        print(f"  sent twice, e.g. {token} ({client.kinds.get(_key_of(client, token))}): {EXAMPLES[token]}")


def _twice(seen: list[str]) -> bool:
    channels = collections.Counter(entry.split()[0] for entry in seen)
    return any(n > 1 for n in channels.values())


def _key_of(client: Client, token: str) -> str | None:
    return next((key for key, t in client.tokens.items() if t == token), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1200, help="messages to submit")
    parser.add_argument("--rate", type=float, default=20.0, help="submits per second")
    parser.add_argument("--fault-every", type=float, default=5.0, help="seconds between faults")
    parser.add_argument("--give-up", type=float, default=180.0, help="a client stops retrying a key after this")
    parser.add_argument("--settle", type=float, default=240.0, help="seconds to wait for every message to end")
    parser.add_argument(
        "--replicas", type=int, default=1, help="N >= 2: the scale-out run (N of each, +1, then -1, mid-traffic)"
    )
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for every service (repeatable)")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
