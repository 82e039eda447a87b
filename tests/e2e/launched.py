"""`make run`'s platform for the browser journeys: the launcher itself
(`python -m cpaas.local run`) in a child process, with its own PostgreSQL and Kafka (on
free ports, data in a temporary directory) and every service as its own process on its
`make run` port, seeded with the demo account and opening balance as `make run` seeds it.

The services' ports are `make run`'s, so a `make run` already running on this machine
must be stopped first; the fixture says so instead of testing someone else's platform.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cpaas.local.launcher import SERVICES
from cpaas.local.processes import port_open
from cpaas.platform.settings import KafkaSettings, PostgresSettings

from .conftest import free_port

STARTUP_SECONDS = 240
SANDBOX_PORTS = {"smpp": 2775, "whatsapp": 8092, "rbm": 8093, "voice": 8094}  # the sandbox settings' defaults


@dataclass(frozen=True)
class Launched:
    """What a test needs of a launched platform."""

    creds: dict
    urls: dict[str, str]
    pg: PostgresSettings
    kafka: KafkaSettings


class Launcher:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.log = data_dir / "launcher.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Launched:
        busy = [p for p in [s.port for s in SERVICES] + list(SANDBOX_PORTS.values()) if port_open(p)]
        if busy:
            raise RuntimeError(
                f"ports {busy} are in use (is `make run` running?); the browser journeys start their own"
            )
        env = {
            **os.environ,
            "CPAAS_LOCAL_DATA_DIR": str(self.data_dir),
            "CPAAS_LOCAL_KAFKA_PORT": str(kafka_port := free_port()),
            "CPAAS_LOCAL_KAFKA_CONTROLLER_PORT": str(free_port()),
            "CPAAS_LOCAL_PG_PORT": str(pg_port := free_port()),
            "CPAAS_LOCAL_PG_DURABLE": "false",
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cpaas.local", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while "platform is up" not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the launcher did not come up:\n{self.output()[-4000:]}")
            time.sleep(0.3)
        creds = json.loads((self.data_dir / "demo-credentials.json").read_text())
        urls = {s.name: f"http://127.0.0.1:{s.port}" for s in SERVICES}
        urls.update({name: f"http://127.0.0.1:{port}" for name, port in SANDBOX_PORTS.items()})
        pg = PostgresSettings(dsn=f"postgresql://postgres@127.0.0.1:{pg_port}/cpaas")
        return Launched(creds, urls, pg, KafkaSettings(bootstrap_servers=f"127.0.0.1:{kafka_port}"))

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """Ctrl-C, as a user stops `make run`; the launcher stops the services, Kafka, PostgreSQL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
