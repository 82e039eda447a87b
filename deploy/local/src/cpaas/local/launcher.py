"""Starts the whole platform on the local default and stops all of it on Ctrl-C.

Order: PostgreSQL, Kafka (topics created), then each service as a child process whose
output lines are prefixed with its name. On SIGINT/SIGTERM the services are stopped
first (each drains its in-flight work), then Kafka, then PostgreSQL. Every child has a
parent-death signal, so nothing outlives the launcher even if it is killed.
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
from cpaas.local.processes import spawn, stop, wait_for_port
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
    ServiceSpec("console", "cpaas.console", 8088),
    ServiceSpec("reporting", "cpaas.reporting", 8083),
    ServiceSpec("billing", "cpaas.billing", 8082),
    ServiceSpec("webhooks", "cpaas.webhooks", 8089),
    ServiceSpec("router", "cpaas.router", 8091),
    ServiceSpec("sms-connector", "cpaas.sms_connector", 8084),
    ServiceSpec("wa-connector", "cpaas.wa_connector", 8085),
    ServiceSpec("rcs-connector", "cpaas.rcs_connector", 8086),
    ServiceSpec("voice-connector", "cpaas.voice_connector", 8087),
    ServiceSpec("gateway", "cpaas.gateway", 8081),
)
DEMO_OPENING_BALANCE_MINOR = 100_000  # 1,000.00 INR


def _pump(name: str, proc: subprocess.Popen) -> None:
    width = max((len(s.name) for s in SERVICES), default=len(name))
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        sys.stdout.write(f"{name:<{width}} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def service_env(settings: LocalSettings, spec: ServiceSpec) -> dict[str, str]:
    return {
        **os.environ,
        "CPAAS_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap,
        "CPAAS_PG_DSN": settings.pg_dsn,
        "CPAAS_ENVIRONMENT": "local",
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
    children: list[tuple[ServiceSpec, subprocess.Popen]] = []
    try:
        if with_services:
            credentials = seed_demo(settings)
            for spec in SERVICES:
                proc = spawn([sys.executable, "-m", spec.module], env=service_env(settings, spec), pipe=True)
                threading.Thread(target=_pump, args=(spec.name, proc), daemon=True).start()
                children.append((spec, proc))
            for spec, proc in children:
                wait_for_port(spec.port, settings.start_timeout_seconds, proc, spec.name)
            print_welcome(credentials)
        print("[local] platform is up; Ctrl-C stops it", flush=True)
        while not stopping.is_set():
            for spec, proc in children:
                if proc.poll() is not None:
                    print(f"[local] {spec.name} exited with {proc.returncode}; stopping", flush=True)
                    stopping.set()
            stopping.wait(0.5)
    finally:
        for _spec, proc in reversed(children):
            stop(proc, timeout=20)
        infra.stop()
        print("[local] stopped", flush=True)
    time.sleep(0)
    return 0
