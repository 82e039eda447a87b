"""What campaigns read of the console's data (API keys, accounts, templates, sender IDs,
blacklist): a small interface, and its adapter over the console's tables.

`cpaas.control_plane` (libs/control-plane) will be the platform's one reader of this
data; until it lands this adapter stands in, behind `ConsoleData`, so adopting the
library is one adapter. Cached per account for `ttl` seconds; the console's NOTIFY on
`cpaas_console` ('<table>:<account id>') evicts an account at once, a lost LISTEN
connection everything. A miss loads; an unknown key or template caches as None.
"""

import ipaddress
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from cpaas.campaigns.domain.request import Template


@dataclass(frozen=True)
class Access:
    account_id: int
    active: bool
    ip_networks: tuple  # empty: every address

    def allows(self, client_ip: str | None) -> bool:
        if not self.ip_networks:
            return True
        try:
            address = ipaddress.ip_address(client_ip or "")
        except ValueError:
            return False
        return any(address in network for network in self.ip_networks)


class ConsoleData(Protocol):
    async def access_for_key(self, key_hash: bytes) -> Access | None: ...
    async def access_for_account(self, account_id: int) -> Access | None: ...
    async def template(self, account_id: int, template_id: int) -> Template | None: ...
    async def approved_sender_ids(self, account_id: int) -> frozenset[str]: ...
    async def blacklist(self, account_id: int) -> frozenset[str]: ...


def _networks(entries: list[str]) -> tuple:
    if not entries or "*" in entries:
        return ()
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


_ACCESS_BY_KEY = (
    "SELECT a.id, a.status, a.ip_allowlist FROM console.api_keys k JOIN console.accounts a ON a.id = k.account_id"
    " WHERE k.key_hash = $1 AND k.revoked_at IS NULL"
)
_ACCESS_BY_ACCOUNT = "SELECT id, status, ip_allowlist FROM console.accounts WHERE id = $1"
_TEMPLATE = (
    "SELECT t.id, t.account_id, t.name, t.channel, t.status, t.category, t.template_type, t.body,"
    " CASE t.channel WHEN 'WHATSAPP' THEN coalesce(w.status = 'ACTIVE', false)"
    "  WHEN 'RCS' THEN coalesce(b.status = 'ACTIVE', false) ELSE true END AS identity_active"
    " FROM console.templates t"
    " LEFT JOIN console.waba_numbers w ON w.id = t.waba_number_id AND w.account_id = t.account_id"
    " LEFT JOIN console.rcs_bots b ON b.id = t.rcs_bot_id AND b.account_id = t.account_id"
    " WHERE t.id = $1 AND t.account_id = $2"
)


class SqlConsoleData:
    """`ConsoleData` over the console's tables."""

    def __init__(self, pool: asyncpg.Pool, *, ttl: float) -> None:
        self.pool, self.ttl = pool, ttl
        self._cache: dict[Hashable, tuple[float, Any]] = {}
        self._by_account: dict[int, set[Hashable]] = {}

    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table == "api_keys":
            for key in [k for k in self._cache if k[0] == "key"]:
                self._cache.pop(key, None)
        if account.isdigit():
            for key in self._by_account.pop(int(account), set()):
                self._cache.pop(key, None)

    def clear(self) -> None:
        self._cache.clear()
        self._by_account.clear()

    async def _get(self, key: tuple, account_id: int | None, load: Callable[[], Awaitable[Any]]) -> Any:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        self._cache[key] = (now + self.ttl, value)
        owner = account_id if account_id is not None else getattr(value, "account_id", None)
        if owner is not None:
            self._by_account.setdefault(owner, set()).add(key)
        return value

    async def access_for_key(self, key_hash: bytes) -> Access | None:
        async def load() -> Access | None:
            row = await self.pool.fetchrow(_ACCESS_BY_KEY, key_hash)
            return Access(row["id"], row["status"] == "ACTIVE", _networks(list(row["ip_allowlist"]))) if row else None

        return await self._get(("key", key_hash), None, load)

    async def access_for_account(self, account_id: int) -> Access | None:
        async def load() -> Access | None:
            row = await self.pool.fetchrow(_ACCESS_BY_ACCOUNT, account_id)
            return Access(row["id"], row["status"] == "ACTIVE", _networks(list(row["ip_allowlist"]))) if row else None

        return await self._get(("account", account_id), account_id, load)

    async def template(self, account_id: int, template_id: int) -> Template | None:
        async def load() -> Template | None:
            row = await self.pool.fetchrow(_TEMPLATE, template_id, account_id)
            return Template(**dict(row)) if row else None

        return await self._get(("template", account_id, template_id), account_id, load)

    async def approved_sender_ids(self, account_id: int) -> frozenset[str]:
        async def load() -> frozenset[str]:
            sql = "SELECT sender_id FROM console.sender_ids WHERE account_id = $1 AND status = 'APPROVED'"
            return frozenset(r["sender_id"] for r in await self.pool.fetch(sql, account_id))

        return await self._get(("senders", account_id), account_id, load)

    async def blacklist(self, account_id: int) -> frozenset[str]:
        async def load() -> frozenset[str]:
            sql = "SELECT recipient FROM console.blacklist WHERE account_id = $1"
            return frozenset(r["recipient"] for r in await self.pool.fetch(sql, account_id))

        return await self._get(("blacklist", account_id), account_id, load)
