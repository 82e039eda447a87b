"""Templates and WABA numbers, read from the console's tables and cached.

Entries live `cache_ttl_seconds` at most; a NOTIFY on 'cpaas_console' ('<table>:<account
id>') evicts that account's entries at once, and a lost LISTEN connection clears
everything (notifications may have been missed meanwhile).
"""

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from cpaas.platform.secretbox import LOCAL_KEY, SecretBox

EVICTING_TABLES = frozenset({"templates", "waba_numbers", "accounts"})
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Template:
    id: int
    account_id: int
    name: str
    channel: str
    status: str
    category: str | None
    template_type: str
    language: str
    body: str
    content: dict[str, Any]
    waba_number_id: int | None


@dataclass(frozen=True)
class WabaNumber:
    id: int
    account_id: int
    phone_number: str
    waba_id: str
    phone_number_id: str
    api_key: str = field(repr=False)
    status: str = ACTIVE


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


_TEMPLATES = """
SELECT id, account_id, name, channel, status, category, template_type, language, body, content, waba_number_id
FROM console.templates WHERE id = ANY($1::bigint[])
"""
_WABAS = """
SELECT id, account_id, phone_number, waba_id, phone_number_id, api_key, status
FROM console.waba_numbers WHERE account_id = ANY($1::bigint[]) ORDER BY id
"""


class ConsoleCatalog:
    def __init__(
        self,
        pool: asyncpg.Pool,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        box: SecretBox | None = None,
    ) -> None:
        self.pool = pool
        self.box = box or SecretBox(LOCAL_KEY)  # opens the sealed access tokens
        self._templates = _TtlCache(ttl_seconds, clock)
        self._wabas = _TtlCache(ttl_seconds, clock)  # account id -> its WABA numbers

    async def templates(self, ids: Iterable[int]) -> dict[int, Template]:
        """The templates that exist among `ids` (one query for those not cached)."""
        wanted = set(ids)
        found = {i: t for i in wanted if (t := self._templates.get(i)) is not None}
        missing = sorted(wanted - found.keys())
        if missing:
            for row in await self.pool.fetch(_TEMPLATES, missing):
                values = dict(row)
                values["content"] = json.loads(values["content"]) if isinstance(values["content"], str) else {}
                template = Template(**values)
                self._templates.put(template.id, template.account_id, template)
                found[template.id] = template
        return found

    async def waba_numbers(self, account_ids: Iterable[int]) -> dict[int, list[WabaNumber]]:
        """Each account's WABA numbers, oldest first (one query for accounts not cached)."""
        wanted = set(account_ids)
        found = {a: w for a in wanted if (w := self._wabas.get(a)) is not None}
        missing = sorted(wanted - found.keys())
        if missing:
            loaded: dict[int, list[WabaNumber]] = {a: [] for a in missing}
            for row in await self.pool.fetch(_WABAS, missing):
                values = dict(row)
                values["api_key"] = self.box.open(values["api_key"])
                loaded[row["account_id"]].append(WabaNumber(**values))
            for account_id, numbers in loaded.items():
                self._wabas.put(account_id, account_id, numbers)
            found.update(loaded)
        return found

    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table in EVICTING_TABLES and account.isdigit():
            self._templates.evict_account(int(account))
            self._wabas.evict_account(int(account))

    def clear(self) -> None:
        self._templates.clear()
        self._wabas.clear()


def sending_number(numbers: list[WabaNumber], waba_number_id: int | None) -> WabaNumber | None:
    """The template's own WABA number, else the account's first active one (the guide:
    "the WABA number assigned to your account is used automatically"); only if ACTIVE."""
    if waba_number_id is not None:
        chosen = next((n for n in numbers if n.id == waba_number_id), None)
    else:
        chosen = next((n for n in numbers if n.status == ACTIVE), None)
    return chosen if chosen is not None and chosen.status == ACTIVE else None
