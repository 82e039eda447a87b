"""Starts the whole platform on the local default and stops all of it on Ctrl-C.

Order: PostgreSQL, Kafka (topics created), then each service as a child process whose
output lines are prefixed with its name. On SIGINT/SIGTERM the services are stopped
first (each drains its in-flight work), then Kafka, then PostgreSQL. Every child has a
parent-death signal, so nothing outlives the launcher even if it is killed. A service that
exits on its own is restarted (`Supervised`), so one crash does not stop the platform.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from cpaas.local.infra import LocalInfra
from cpaas.local.processes import spawn, stop, wait_for_ready
from cpaas.local.settings import LocalSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: int
    env: dict[str, str] = field(default_factory=dict)


# In start order: the carrier sandbox first, the public gateway last.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("sandbox", "cpaas.sandbox", 8090),
    ServiceSpec("ai", "cpaas.ai", 8095),
    ServiceSpec(
        "console",
        "cpaas.console",
        8088,
        {"CPAAS_CONSOLE_AI_URL": "http://127.0.0.1:8095", "CPAAS_CONSOLE_CAMPAIGNS_URL": "http://127.0.0.1:9096"},
    ),
    ServiceSpec("reporting", "cpaas.reporting", 8083),
    ServiceSpec("billing", "cpaas.billing", 8082),
    ServiceSpec("webhooks", "cpaas.webhooks", 8089),
    ServiceSpec("router", "cpaas.router", 8091),
    ServiceSpec("sms-connector", "cpaas.sms_connector", 8084),
    ServiceSpec("wa-connector", "cpaas.wa_connector", 8085),
    ServiceSpec("rcs-connector", "cpaas.rcs_connector", 8086),
    ServiceSpec("voice-connector", "cpaas.voice_connector", 8087),
    ServiceSpec("campaigns", "cpaas.campaigns", 8096),
    ServiceSpec(
        "gateway",
        "cpaas.gateway",
        8081,
        {  # the services behind its forwarded public routes (their local default ports)
            "CPAAS_GATEWAY_CAMPAIGNS_URL": "http://127.0.0.1:9096",
            "CPAAS_GATEWAY_CONSOLE_INTERNAL_URL": "http://127.0.0.1:9088",
            "CPAAS_GATEWAY_BILLING_URL": "http://127.0.0.1:8082",
            "CPAAS_GATEWAY_AI_URL": "http://127.0.0.1:8095",
        },
    ),
)
FIRST_READY = "sandbox"
REPLICA_PORT_STEP = 100  # replica n (from 1) of a service serves on its ports + (n - 1) x 100
INTERNAL_PORTS = {
    "gateway": 9081,
    "console": 9088,
    "campaigns": 9096,
}  # their internal listeners (ServiceSettings.internal_port)
NOT_REPLICABLE = frozenset({"sandbox", "console"})  # the carrier world is one; the console's UI runs once


def env_prefix(spec: ServiceSpec) -> str:
    """CPAAS_SMS_CONNECTOR_ for cpaas.sms_connector: the service's settings prefix."""
    return "CPAAS_" + spec.module.removeprefix("cpaas.").upper() + "_"


def replica(spec: ServiceSpec, n: int) -> ServiceSpec:
    """Process n (from 1) of a service: 1 as `make run` always starts it, n > 1 named
    `<name>-<n>` on its ports moved by (n - 1) x REPLICA_PORT_STEP. A replica may be started
    at any time, beside running ones (`bench/chaos.py --replicas` adds one mid-traffic)."""
    if n == 1:
        return spec
    if spec.name in NOT_REPLICABLE:
        raise ValueError(f"{spec.name} runs once")
    prefix, step = env_prefix(spec), (n - 1) * REPLICA_PORT_STEP
    env = {**spec.env, f"{prefix}HTTP_PORT": str(spec.port + step)}
    if spec.name in INTERNAL_PORTS:
        env[f"{prefix}INTERNAL_PORT"] = str(INTERNAL_PORTS[spec.name] + step)
    return ServiceSpec(f"{spec.name}-{n}", spec.module, spec.port + step, env)


def replicas_of(spec: ServiceSpec, count: int) -> list[ServiceSpec]:
    """`count` processes of one service (`replica` 1 to `count`)."""
    if count > 1 and spec.name in NOT_REPLICABLE:
        raise ValueError(f"{spec.name} runs once")
    return [replica(spec, n) for n in range(1, count + 1)]


def planned_services(settings: LocalSettings) -> list[ServiceSpec]:
    """Every process to start, in start order, with the replicas that settings ask for."""
    unknown = set(settings.replicas) - {s.name for s in SERVICES}
    if unknown:
        raise ValueError(f"CPAAS_LOCAL_REPLICAS names no such service: {sorted(unknown)}")
    return [r for spec in SERVICES for r in replicas_of(spec, settings.replicas.get(spec.name, 1))]


DEMO_OPENING_BALANCE_MINOR = 100_000  # 1,000.00 INR


def _pump(name: str, proc: subprocess.Popen) -> None:
    width = max((len(s.name) for s in SERVICES), default=len(name)) + 2  # room for a replica's -2
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        sys.stdout.write(f"{name:<{width}} | {line.decode(errors='replace')}")
        sys.stdout.flush()


RESTART_LIMIT = 5  # restarts of one service within RESTART_WINDOW_SECONDS; past it, it stays down
RESTART_WINDOW_SECONDS = 300.0


def start_service(settings: LocalSettings, spec: ServiceSpec) -> subprocess.Popen:
    """Start one service (from the main thread: the death signal follows the creating thread)."""
    proc = spawn([sys.executable, "-m", spec.module], env=service_env(settings, spec), pipe=True)
    threading.Thread(target=_pump, args=(spec.name, proc), daemon=True).start()
    return proc


@dataclass
class Supervised:
    """A service process the launcher restarts when it exits on its own, up to RESTART_LIMIT
    times in RESTART_WINDOW_SECONDS (a crash loop then stays down, and the launcher says so)."""

    spec: ServiceSpec
    proc: subprocess.Popen
    restarts: list[float] = field(default_factory=list)
    given_up: bool = False

    def restart_if_exited(self, settings: LocalSettings, now: float | None = None) -> bool:
        """True when it was restarted."""
        code = self.proc.poll()
        if code is None or self.given_up:
            return False
        now = time.monotonic() if now is None else now
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_SECONDS]
        if len(self.restarts) >= RESTART_LIMIT:
            self.given_up = True
            print(
                f"[local] {self.spec.name} exited with {code} {RESTART_LIMIT + 1} times within"
                f" {RESTART_WINDOW_SECONDS:.0f}s; leaving it stopped (the rest of the platform keeps running;"
                f" its log is above)",
                flush=True,
            )
            return False
        self.restarts.append(now)
        print(
            f"[local] {self.spec.name} exited with {code}; restarting it"
            f" (restart {len(self.restarts)} of at most {RESTART_LIMIT} in {RESTART_WINDOW_SECONDS:.0f}s)",
            flush=True,
        )
        self.proc = start_service(settings, self.spec)
        return True


def write_pids(settings: LocalSettings, children: list[Supervised]) -> None:
    """`.data/services.json`: each service's current process id (what `make chaos` kills)."""
    path = settings.data_dir / "services.json"
    path.write_text(json.dumps({c.spec.name: c.proc.pid for c in children}, indent=2))


def service_env(settings: LocalSettings, spec: ServiceSpec) -> dict[str, str]:
    return {
        **os.environ,
        "CPAAS_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
        "CPAAS_PG_DSN": settings.pg_dsn,
        "CPAAS_ENVIRONMENT": "local",
        # the console rewrites it when the demo account's API key or webhook secret is rotated
        "CPAAS_CONSOLE_DEMO_CREDENTIALS_FILE": str(settings.data_dir / "demo-credentials.json"),
        "PYTHONUNBUFFERED": "1",
        **spec.env,
    }


def seed_demo(settings: LocalSettings) -> dict:
    """The admin login and the demo account (idempotent), from the console's seed command."""
    path = settings.data_dir / "demo-credentials.json"
    env = {**os.environ, "CPAAS_PG_DSN": settings.pg_dsn}
    subprocess.run(
        [sys.executable, "-m", "cpaas.console", "seed", "--credentials", str(path)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    credentials = json.loads(path.read_text())
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cpaas.billing",
            "credit",
            "--account",
            str(credentials["accountId"]),
            "--amount-minor",
            str(DEMO_OPENING_BALANCE_MINOR),
            "--reason",
            "opening balance (local default)",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return credentials


def print_welcome(credentials: dict) -> None:
    print("[local] demo credentials (also in .data/demo-credentials.json):", flush=True)
    for line in json.dumps(credentials, indent=2).splitlines():
        print(f"[local]   {line}", flush=True)
    print("[local] console: http://127.0.0.1:8088 (log in as the user or the admin above)", flush=True)
    print("[local] gateway: http://127.0.0.1:8081/docs", flush=True)


def run_platform(*, with_services: bool, settings: LocalSettings | None = None) -> int:
    settings = settings or LocalSettings()
    infra = LocalInfra(settings)
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        if stopping.is_set():
            return
        stopping.set()
        print(f"\n[local] {signal.Signals(signum).name}: stopping...", flush=True)

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(f"[local] data in {settings.data_dir}, logs in {settings.logs_dir}", flush=True)
    report = infra.start()
    print(
        f"[local] PostgreSQL on 127.0.0.1:{settings.pg_port} ({report.postgres_seconds:.1f}s), "
        f"Kafka on {settings.kafka_bootstrap} ({report.kafka_seconds:.1f}s)",
        flush=True,
    )
    children: list[Supervised] = []
    try:
        if with_services:
            credentials = seed_demo(settings)
            for spec in planned_services(settings):
                children.append(Supervised(spec, start_service(settings, spec)))
                if spec.name == FIRST_READY:  # the carriers answer before the connectors bind to them
                    wait_for_ready(spec.port, settings.start_timeout_seconds, children[-1].proc, spec.name)
            for child in children:
                wait_for_ready(child.spec.port, settings.start_timeout_seconds, child.proc, child.spec.name)
            write_pids(settings, children)
            print_welcome(credentials)
        print("[local] platform is up; Ctrl-C stops it", flush=True)
        while not stopping.is_set():
            if any([child.restart_if_exited(settings) for child in children]):
                write_pids(settings, children)
            stopping.wait(0.5)
    finally:
        for child in reversed(children):
            stop(child.proc, timeout=20)
        infra.stop()
        print("[local] stopped", flush=True)
    return 0
