"""A TCP relay a test can cut: what a server restart looks like to its clients.

`cut()` closes every relayed connection and refuses new ones (as PostgreSQL does while
it restarts); `restore()` listens again on the same port. `on_reply`, when given, sees
each chunk the server sends before the client gets it (a test times a cut by it).
"""

import asyncio
import contextlib
import socket
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from cpaas.platform.settings import PostgresSettings

HOST = "127.0.0.1"
CHUNK_BYTES = 65536


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Relay:
    def __init__(self, target_host: str, target_port: int, *, on_reply: Callable[[bytes], None] | None = None) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.on_reply = on_reply
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, HOST, self.port, reuse_address=True)

    def cut(self) -> None:
        """Drop every connection and refuse new ones, at once (callable from a callback)."""
        self.cuts += 1
        self._close()

    def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    async def restore(self) -> None:
        await self.start()

    async def stop(self) -> None:
        self._close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target_reader, target_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, target_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, inspect: bool) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(CHUNK_BYTES):
                    if inspect and self.on_reply is not None:
                        self.on_reply(data)
                    if dst.transport.is_closing():
                        break
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        try:
            await asyncio.gather(pipe(reader, target_writer, False), pipe(target_reader, writer, True))
        finally:
            self._writers.difference_update((writer, target_writer))


async def relayed_postgres(pg: PostgresSettings) -> tuple[PostgresSettings, Relay]:
    """The test's database reached through a started relay: settings for the connector."""
    dsn = urlsplit(pg.dsn)
    relay = Relay(dsn.hostname or HOST, dsn.port or 5432)
    await relay.start()
    netloc = dsn.netloc.rsplit("@", 1)[0] + "@" if "@" in dsn.netloc else ""
    relayed = urlunsplit(dsn._replace(netloc=f"{netloc}{HOST}:{relay.port}"))
    return pg.model_copy(update={"dsn": relayed}), relay


class Outage:
    """A cut of `relay` for `seconds`, made once, when `begin()` is first called (from
    whatever sees the moment: a tap on the provider's answer, a reply inspector)."""

    def __init__(self, relay: Relay, seconds: float) -> None:
        self.relay, self.seconds = relay, seconds
        self.began = asyncio.Event()
        self.ended = asyncio.Event()
        self._restoring: asyncio.Task | None = None

    def begin(self) -> None:
        if self.began.is_set():
            return
        self.relay.cut()
        self.began.set()
        self._restoring = asyncio.get_running_loop().create_task(self._restore_later())

    async def _restore_later(self) -> None:
        await asyncio.sleep(self.seconds)
        await self.relay.restore()
        self.ended.set()

    async def wait_over(self, within_seconds: float = 30.0) -> None:
        async with asyncio.timeout(within_seconds):
            await self.began.wait()
            await self.ended.wait()
