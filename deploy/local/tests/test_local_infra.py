"""The local default's servers: data survives a stop and start, and nothing is left
running after the launcher stops, whether by Ctrl-C or by being killed."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from cpaas.local.infra import LocalInfra
from cpaas.local.processes import pid_alive, port_open
from cpaas.local.settings import LocalSettings
from cpaas.platform.kafka_admin import ensure_topics


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ports of these tests' own servers, free ones so they never collide with anything running
PORTS = {"kafka_port": _free_port(), "kafka_controller_port": _free_port(), "pg_port": _free_port()}


def own_settings(tmp_path: Path) -> LocalSettings:
    return LocalSettings(data_dir=tmp_path / "data", pg_durable=True, **PORTS)


async def write_both(infra: LocalInfra) -> None:
    await ensure_topics(infra.kafka_settings(), {"survivor": 1})
    producer = AIOKafkaProducer(bootstrap_servers=infra.settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait("survivor", b"kept", key=b"k")
    finally:
        await producer.stop()
    conn = await asyncpg.connect(infra.settings.pg_dsn)
    try:
        await conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('row')")
    finally:
        await conn.close()


async def read_both(infra: LocalInfra) -> tuple[list[bytes], list[str]]:
    consumer = AIOKafkaConsumer(
        "survivor",
        bootstrap_servers=infra.settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
    finally:
        await consumer.stop()
    conn = await asyncpg.connect(infra.settings.pg_dsn)
    try:
        rows = await conn.fetch("SELECT v FROM kept")
    finally:
        await conn.close()
    return [r.value for records in batch.values() for r in records], [r["v"] for r in rows]


async def coordinator_answers_at_once(infra: LocalInfra) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.settings.kafka_bootstrap)
    await admin.start()
    try:
        assert await admin.find_coordinator("a-service-group") == 1
    finally:
        await admin.close()


def test_data_in_kafka_and_postgres_survives_a_restart_of_both(tmp_path: Path) -> None:
    settings = own_settings(tmp_path)
    infra = LocalInfra(settings)
    infra.start()
    try:
        asyncio.run(coordinator_answers_at_once(infra))  # a fresh broker: no group errors at first start
        asyncio.run(write_both(infra))
        pids = [infra.kafka.proc.pid, infra.postgres.proc.pid]
    finally:
        infra.stop()
    assert not any(pid_alive(pid) for pid in pids)
    assert not port_open(settings.kafka_port) and not port_open(settings.pg_port)

    again = LocalInfra(settings)
    report = again.start()
    try:
        assert report.topics_created == []  # the topics were kept too
        values, rows = asyncio.run(read_both(again))
    finally:
        again.stop()
    assert values == [b"kept"]
    assert rows == ["row"]


def launcher_env(tmp_path: Path, ports: dict[str, int]) -> dict[str, str]:
    return {
        **os.environ,
        "CPAAS_LOCAL_DATA_DIR": str(tmp_path / "data"),
        "CPAAS_LOCAL_KAFKA_PORT": str(ports["kafka_port"]),
        "CPAAS_LOCAL_KAFKA_CONTROLLER_PORT": str(ports["kafka_controller_port"]),
        "CPAAS_LOCAL_PG_PORT": str(ports["pg_port"]),
    }


def start_launcher(tmp_path: Path, ports: dict[str, int]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cpaas.local", "infra"],
        env=launcher_env(tmp_path, ports),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    seen: list[str] = []
    for line in proc.stdout:
        if "platform is up" in line:
            return proc
        seen.append(line)
        assert time.monotonic() < deadline, "launcher did not come up"
    raise AssertionError(f"launcher exited with {proc.wait()}:\n{''.join(seen[-30:])}")


def wait_closed(*ports: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(port_open(p) for p in ports):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_nothing_outlives_the_launcher(tmp_path: Path, how: int) -> None:
    # ports of its own: the previous case's may still be closing, or taken since
    ports = {"kafka_port": _free_port(), "kafka_controller_port": _free_port(), "pg_port": _free_port()}
    proc = start_launcher(tmp_path, ports)
    assert port_open(ports["kafka_port"]) and port_open(ports["pg_port"])
    proc.send_signal(how)
    proc.wait(60)
    assert wait_closed(ports["kafka_port"], ports["pg_port"]), "a server outlived the launcher"
    deadline = time.monotonic() + 30
    while (leftovers := processes_using(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers == ""


def processes_using(path: Path) -> str:
    found = subprocess.run(["pgrep", "-a", "-f", str(path)], capture_output=True, text=True).stdout
    return found.strip()
