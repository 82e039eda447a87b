"""Voice templates, read from the console's table and cached.

Entries live `cache_ttl_seconds` at most; a NOTIFY on 'cpaas_console' ('<table>:<account
id>') for templates or accounts evicts that account's entries at once, and a lost LISTEN
connection clears everything (notifications may have been missed meanwhile).
"""

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import asyncpg

EVICTING_TABLES = frozenset({"templates", "accounts"})


@dataclass(frozen=True)
class Template:
    id: int
    account_id: int
    channel: str
    status: str
    body: str
    content: dict = field(default_factory=dict)


class TemplateCatalog:
    def __init__(self, pool: asyncpg.Pool, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.pool, self.ttl, self.clock = pool, ttl_seconds, clock
        self._items: dict[int, tuple[float, Template]] = {}  # id -> (expiry, template)

    async def templates(self, ids: Iterable[int]) -> dict[int, Template]:
        """The templates that exist among `ids` (one query for those not cached)."""
        now = self.clock()
        wanted = set(ids)
        found = {i: item[1] for i in wanted if (item := self._items.get(i)) is not None and item[0] >= now}
        missing = sorted(wanted - found.keys())
        if missing:
            rows = await self.pool.fetch(
                "SELECT id, account_id, channel, status, body, content FROM console.templates WHERE id = ANY($1::bigint[])",
                missing,
            )
            for row in rows:
                content = row["content"]
                template = Template(
                    **{**dict(row), "content": json.loads(content) if isinstance(content, str) else content}
                )
                self._items[template.id] = (now + self.ttl, template)
                found[template.id] = template
        return found

    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table in EVICTING_TABLES and account.isdigit():
            account_id = int(account)
            self._items = {k: v for k, v in self._items.items() if v[1].account_id != account_id}

    def clear(self) -> None:
        self._items.clear()
