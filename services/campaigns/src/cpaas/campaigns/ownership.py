"""Which process works on what: PostgreSQL session advisory locks, all held on one
dedicated connection of this process.

A process validates a campaign only while it holds that campaign's lock, and sends an
account's campaigns only while it holds the account's lock (so the account's ceiling is
kept across replicas). A process that dies (kill -9 included) loses its connection and
with it every lock at once, so another process (or this one, restarted) takes the work
over from the state in the database. If this connection is lost the process stops all
its work (`lost` is set) before anything else may take it; the dispatch cursor's
compare-and-set (store.commit_batch) guards the moment between.
"""

import asyncio
import contextlib
import hashlib
import logging

import asyncpg

log = logging.getLogger(__name__)


def lock_key(kind: str, ident: int) -> int:
    digest = hashlib.sha256(f"cpaas.campaigns:{kind}:{ident}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Ownership:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one statement at a time on the connection
        self.held: set[int] = set()
        self.lost = asyncio.Event()
        self._closing = False

    async def open(self) -> None:
        self._conn = await asyncpg.connect(self.dsn, server_settings={"application_name": "campaigns-ownership"})
        self._conn.add_termination_listener(lambda _c: self._on_lost())

    def _on_lost(self) -> None:
        if self._closing:
            return
        log.error("lost the ownership connection; stopping all campaign work")
        self.held.clear()
        self.lost.set()

    async def close(self) -> None:
        self._closing = True
        self.held.clear()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()

    async def try_take(self, kind: str, ident: int) -> bool:
        key = lock_key(kind, ident)
        if key in self.held:
            return True
        if self._conn is None or self.lost.is_set():
            return False
        async with self._lock:
            taken = await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", key)
        if taken:
            self.held.add(key)
        return bool(taken)

    async def release(self, kind: str, ident: int) -> None:
        key = lock_key(kind, ident)
        if key not in self.held or self._conn is None or self.lost.is_set():
            return
        self.held.discard(key)
        async with self._lock:
            await self._conn.fetchval("SELECT pg_advisory_unlock($1)", key)

    def holds(self, kind: str, ident: int) -> bool:
        return lock_key(kind, ident) in self.held and not self.lost.is_set()
