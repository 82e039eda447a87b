"""Templates and sender IDs, read from the console's tables and cached.

Entries live `cache_ttl_seconds` at most; a NOTIFY on 'cpaas_console' ('<table>:<account
id>') evicts that account's entries at once, and a lost LISTEN connection clears
everything (notifications may have been missed meanwhile).
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

log = logging.getLogger(__name__)
EVICTING_TABLES = frozenset({"templates", "sender_ids", "accounts"})


@dataclass(frozen=True)
class Template:
    id: int
    account_id: int
    channel: str
    status: str
    body: str
    dlt_template_id: str | None


@dataclass(frozen=True)
class SenderId:
    account_id: int
    sender_id: str
    pe_id: str
    status: str


class _TtlCache:
    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl, self.clock = ttl, clock
        self._items: dict[Any, tuple[float, int, Any]] = {}  # key -> (expiry, account id, value)

    def get(self, key: Any) -> Any | None:
        item = self._items.get(key)
        if item is None or item[0] < self.clock():
            return None
        return item[2]

    def put(self, key: Any, account_id: int, value: Any) -> None:
        self._items[key] = (self.clock() + self.ttl, account_id, value)

    def evict_account(self, account_id: int) -> None:
        self._items = {k: v for k, v in self._items.items() if v[1] != account_id}

    def clear(self) -> None:
        self._items.clear()


class ConsoleCatalog:
    def __init__(self, pool: asyncpg.Pool, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.pool = pool
        self._templates = _TtlCache(ttl_seconds, clock)
        self._senders = _TtlCache(ttl_seconds, clock)

    async def templates(self, ids: Iterable[int]) -> dict[int, Template]:
        """The templates that exist among `ids` (one query for those not cached)."""
        wanted = set(ids)
        found = {i: t for i in wanted if (t := self._templates.get(i)) is not None}
        missing = sorted(wanted - found.keys())
        if missing:
            rows = await self.pool.fetch(
                "SELECT id, account_id, channel, status, body, dlt_template_id"
                " FROM console.templates WHERE id = ANY($1::bigint[])",
                missing,
            )
            for row in rows:
                template = Template(**dict(row))
                self._templates.put(template.id, template.account_id, template)
                found[template.id] = template
        return found

    async def sender_ids(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], SenderId]:
        """The sender IDs that exist among (account id, sender ID) pairs."""
        wanted = set(keys)
        found = {k: s for k in wanted if (s := self._senders.get(k)) is not None}
        missing = sorted(wanted - found.keys())
        if missing:
            rows = await self.pool.fetch(
                "SELECT s.account_id, s.sender_id, s.pe_id, s.status FROM console.sender_ids s"
                " JOIN unnest($1::bigint[], $2::text[]) AS k(account_id, sender_id)"
                " ON s.account_id = k.account_id AND s.sender_id = k.sender_id",
                [a for a, _ in missing],
                [s for _, s in missing],
            )
            for row in rows:
                sender = SenderId(**dict(row))
                self._senders.put((sender.account_id, sender.sender_id), sender.account_id, sender)
                found[(sender.account_id, sender.sender_id)] = sender
        return found

    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table in EVICTING_TABLES and account.isdigit():
            self._templates.evict_account(int(account))
            self._senders.evict_account(int(account))

    def clear(self) -> None:
        self._templates.clear()
        self._senders.clear()
