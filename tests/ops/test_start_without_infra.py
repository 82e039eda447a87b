"""A service started while PostgreSQL and Kafka are away waits for them: it serves /healthz
at once, answers not-ready (and 503 on its API) meanwhile, and becomes ready once they come,
with no restart. Run as its real process (`python -m cpaas.reporting`), the infrastructure
reached through a TCP relay that the test opens late."""

import asyncio
import contextlib
import os
import signal
import socket
import sys
from urllib.parse import urlsplit, urlunsplit

import httpx

from cpaas.platform.settings import KafkaSettings, PostgresSettings

WAIT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Relay:
    """Forwards a local port to `target` once opened; until then nothing listens there."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = _free_port()
        self._server: asyncio.Server | None = None

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target_reader, target_writer = await asyncio.open_connection(*self.target)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, target_writer), pipe(target_reader, writer))


async def _status(client: httpx.AsyncClient, path: str) -> int | None:
    try:
        return (await client.get(path)).status_code
    except httpx.TransportError:
        return None


async def _until(client: httpx.AsyncClient, path: str, expected: int) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while await _status(client, path) != expected:
            await asyncio.sleep(0.2)


async def test_a_service_waits_for_postgres_and_kafka_and_reports_not_ready_meanwhile(
    pg_settings: PostgresSettings, kafka_settings: KafkaSettings
) -> None:
    pg = urlsplit(pg_settings.dsn)
    kafka_host, kafka_port = kafka_settings.bootstrap_servers.split(",")[0].rsplit(":", 1)
    pg_relay, kafka_relay = Relay(pg.hostname, pg.port), Relay(kafka_host, int(kafka_port))
    relayed_dsn = urlunsplit(pg._replace(netloc=f"{pg.username}@127.0.0.1:{pg_relay.port}"))
    http_port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CPAAS_")},
        "CPAAS_PG_DSN": relayed_dsn,
        "CPAAS_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka_relay.port}",
        "CPAAS_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
        "CPAAS_REPORTING_HTTP_PORT": str(http_port),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cpaas.reporting",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}", timeout=5) as client:
            await _until(client, "/healthz", 200)
            await asyncio.sleep(3)  # several start attempts fail meanwhile
            assert proc.returncode is None, "the service exited instead of waiting"
            assert await _status(client, "/readyz") == 503
            assert await _status(client, "/api/v1/anything") == 503
            await pg_relay.open()
            await asyncio.sleep(2)
            assert await _status(client, "/readyz") == 503  # Kafka still away
            await kafka_relay.open()
            await _until(client, "/readyz", 200)
    finally:
        proc.terminate()
        output, _ = await proc.communicate()
        await pg_relay.close()
        await kafka_relay.close()
    log = output.decode(errors="replace")
    assert "start failed; retrying" in log
    assert "Application startup failed" not in log
    assert "Application shutdown complete" in log  # then uvicorn re-raises the SIGTERM it handled
    assert proc.returncode in (0, -signal.SIGTERM), log[-2000:]
