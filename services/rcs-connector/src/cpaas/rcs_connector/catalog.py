"""RCS templates and bots, read from the console's tables and cached.

Entries live `cache_ttl_seconds` at most; a NOTIFY on 'cpaas_console' ('<table>:<account
id>') for templates, rcs_bots or accounts evicts that account's entries at once, and a
lost LISTEN connection clears everything (notifications may have been missed).
"""

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from cpaas.platform.secretbox import LOCAL_KEY, SecretBox
from cpaas.rcs_connector.providers.base import Bot

EVICTING_TABLES = frozenset({"templates", "rcs_bots", "accounts"})
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Template:
    id: int
    account_id: int
    name: str
    channel: str
    status: str
    template_type: str
    body: str
    content: dict
    rcs_bot_id: int | None


class _TtlCache:
    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl, self.clock = ttl, clock
        self._items: dict[Any, tuple[float, int, Any]] = {}  # key -> (expiry, account id, value)

    def get(self, key: Any) -> tuple[bool, Any]:
        """(found, value); a cached None means "known not to exist"."""
        item = self._items.get(key)
        if item is None or item[0] < self.clock():
            return False, None
        return True, item[2]

    def put(self, key: Any, account_id: int, value: Any) -> None:
        self._items[key] = (self.clock() + self.ttl, account_id, value)

    def evict_account(self, account_id: int) -> None:
        self._items = {k: v for k, v in self._items.items() if v[1] != account_id}

    def clear(self) -> None:
        self._items.clear()


def _template(row: asyncpg.Record) -> Template:
    content = row["content"]
    return Template(**{**dict(row), "content": json.loads(content) if isinstance(content, str) else content})


def _bot(row: asyncpg.Record, box: SecretBox) -> Bot:
    return Bot(**{**dict(row), "api_key": box.open(row["api_key"])})


_BOT_COLUMNS = "id, account_id, bot_id, api_key, status"


class ConsoleCatalog:
    def __init__(
        self,
        pool: asyncpg.Pool,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        box: SecretBox | None = None,
    ) -> None:
        self.pool = pool
        self.box = box or SecretBox(LOCAL_KEY)  # opens the sealed bot secrets
        self._templates = _TtlCache(ttl_seconds, clock)
        self._bots = _TtlCache(ttl_seconds, clock)  # ("id", row id) or ("default", account id) -> Bot | None

    async def templates(self, ids: Iterable[int]) -> dict[int, Template]:
        """The templates that exist among `ids` (one query for those not cached)."""
        found: dict[int, Template] = {}
        missing = []
        for template_id in set(ids):
            hit, template = self._templates.get(template_id)
            if hit:
                found[template_id] = template
            else:
                missing.append(template_id)
        if missing:
            rows = await self.pool.fetch(
                "SELECT id, account_id, name, channel, status, template_type, body, content, rcs_bot_id"
                " FROM console.templates WHERE id = ANY($1::bigint[])",
                missing,
            )
            for row in rows:
                template = _template(row)
                self._templates.put(template.id, template.account_id, template)
                found[template.id] = template
        return found

    async def bots(self, wanted: Iterable[tuple[int, int | None]]) -> dict[tuple[int, int | None], Bot | None]:
        """The bot for each (account id, bot row id): that bot when the id is given,
        else the account's first ACTIVE bot; None when there is none."""
        result: dict[tuple[int, int | None], Bot | None] = {}
        by_id, by_account = [], []
        for account_id, row_id in set(wanted):
            hit, bot = self._bots.get(("id", row_id) if row_id is not None else ("default", account_id))
            if hit:
                result[(account_id, row_id)] = bot
            elif row_id is not None:
                by_id.append((account_id, row_id))
            else:
                by_account.append(account_id)
        if by_id:
            rows = await self.pool.fetch(
                f"SELECT {_BOT_COLUMNS} FROM console.rcs_bots WHERE id = ANY($1::bigint[])", [i for _, i in by_id]
            )
            bots = {row["id"]: _bot(row, self.box) for row in rows}
            for account_id, row_id in by_id:
                bot = bots.get(row_id)
                self._bots.put(("id", row_id), bot.account_id if bot else account_id, bot)
                result[(account_id, row_id)] = bot
        if by_account:
            rows = await self.pool.fetch(
                f"SELECT DISTINCT ON (account_id) {_BOT_COLUMNS} FROM console.rcs_bots"
                " WHERE account_id = ANY($1::bigint[]) AND status = 'ACTIVE' ORDER BY account_id, id",
                by_account,
            )
            bots = {row["account_id"]: _bot(row, self.box) for row in rows}
            for account_id in by_account:
                self._bots.put(("default", account_id), account_id, bots.get(account_id))
                result[(account_id, None)] = bots.get(account_id)
        return result

    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table in EVICTING_TABLES and account.isdigit():
            self._templates.evict_account(int(account))
            self._bots.evict_account(int(account))

    def clear(self) -> None:
        self._templates.clear()
        self._bots.clear()
