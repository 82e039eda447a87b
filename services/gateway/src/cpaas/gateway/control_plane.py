"""The gateway's read-through cache of the console's data (API keys, accounts,
templates, sender IDs, blacklist).

The submit path must not wait on PostgreSQL for every request, so each item is loaded
once and kept. The console's triggers NOTIFY `cpaas_console` with '<table>:<account id>'
on every change, and the listener evicts that account at once (a rotated API key stops
working, a blacklisted number is refused); a TTL bounds staleness should a notification
be missed, and losing the LISTEN connection clears everything. Concurrent misses for
the same item share one query.
"""

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg

from cpaas.contracts.templating import placeholder_count

T = TypeVar("T")


@dataclass(frozen=True)
class AccountAccess:
    account_id: int
    active: bool
    ip_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]  # empty: every address
    submit_rate_per_second: int | None = None  # the account's override of the gateway default

    def allows(self, client_ip: str | None) -> bool:
        if not self.ip_networks:
            return True
        try:
            address = ipaddress.ip_address(client_ip or "")
        except ValueError:
            return False
        return any(address in network for network in self.ip_networks)


@dataclass(frozen=True)
class TemplateInfo:
    id: int
    account_id: int
    name: str
    channel: str
    status: str
    category: str | None
    template_type: str
    variables: int
    identity_active: bool = True  # WhatsApp: its WABA number is ACTIVE; RCS: its bot is ACTIVE


def parse_allowlist(entries: list[str]) -> tuple:
    if not entries or "*" in entries:
        return ()
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


NOT_CACHED = object()


class _Entry:
    __slots__ = ("expires", "value")

    def __init__(self, value: Any, expires: float) -> None:
        self.value, self.expires = value, expires


class ControlPlane:
    def __init__(self, pool: asyncpg.Pool, *, ttl: float, unknown_key_ttl: float) -> None:
        self.pool = pool
        self.ttl, self.unknown_key_ttl = ttl, unknown_key_ttl
        self._cache: dict[Hashable, _Entry] = {}
        self._loading: dict[Hashable, asyncio.Future] = {}
        self._by_account: dict[int, set[Hashable]] = {}

    # -- invalidation -------------------------------------------------------------------
    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table == "api_keys":  # an unknown key may have just been created
            for key in [k for k, e in self._cache.items() if k[0] == "key" and e.value is None]:
                self._cache.pop(key, None)
        if account.isdigit():
            for key in self._by_account.pop(int(account), set()):
                self._cache.pop(key, None)

    def clear(self) -> None:
        self._cache.clear()
        self._by_account.clear()

    # -- lookups ------------------------------------------------------------------------
    async def _get(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        account_of: Callable[[T], int | None],
        ttl: Callable[[T], float],
    ) -> T:
        entry = self._cache.get(key)
        now = time.monotonic()
        if entry is not None and entry.expires > now:
            return entry.value
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved; waiters re-raise it
            raise
        finally:
            self._loading.pop(key, None)
        self._cache[key] = _Entry(value, now + ttl(value))
        account = account_of(value)
        if account is not None:
            self._by_account.setdefault(account, set()).add(key)
        future.set_result(value)
        return value

    def cached_access_for_key(self, key_hash: bytes) -> "AccountAccess | object | None":
        """The cached answer for a key without loading it: an access, None (known unknown),
        or NOT_CACHED. Lets the invalid-key throttle pass keys already known valid."""
        entry = self._cache.get(("key", key_hash))
        if entry is not None and entry.expires > time.monotonic():
            return entry.value
        return NOT_CACHED

    async def access_for_key(self, key_hash: bytes) -> AccountAccess | None:
        async def load() -> AccountAccess | None:
            row = await self.pool.fetchrow(
                "SELECT a.id, a.status, a.ip_allowlist, a.submit_rate_per_second FROM console.api_keys k"
                " JOIN console.accounts a ON a.id = k.account_id"
                " WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
                key_hash,
            )
            if row is None:
                return None
            return AccountAccess(
                row["id"],
                row["status"] == "ACTIVE",
                parse_allowlist(list(row["ip_allowlist"])),
                row["submit_rate_per_second"],
            )

        return await self._get(
            ("key", key_hash),
            load,
            lambda v: v.account_id if v else None,
            lambda v: self.ttl if v else self.unknown_key_ttl,
        )

    async def access_for_account(self, account_id: int) -> AccountAccess | None:
        """The account's access by its id (the console's Quick Message, on a user's behalf)."""

        async def load() -> AccountAccess | None:
            row = await self.pool.fetchrow(
                "SELECT id, status, ip_allowlist, submit_rate_per_second FROM console.accounts WHERE id = $1",
                account_id,
            )
            if row is None:
                return None
            return AccountAccess(
                row["id"],
                row["status"] == "ACTIVE",
                parse_allowlist(list(row["ip_allowlist"])),
                row["submit_rate_per_second"],
            )

        return await self._get(("account", account_id), load, lambda v: account_id, lambda v: self.ttl)

    async def template(self, account_id: int, template_id: int) -> TemplateInfo | None:
        """The template if it exists and belongs to this account, else None."""

        async def load() -> TemplateInfo | None:
            row = await self.pool.fetchrow(
                "SELECT t.id, t.account_id, t.name, t.channel, t.status, t.category, t.template_type, t.body,"
                " CASE t.channel WHEN 'WHATSAPP' THEN coalesce(w.status = 'ACTIVE', false)"
                "  WHEN 'RCS' THEN coalesce(b.status = 'ACTIVE', false) ELSE true END AS identity_active"
                " FROM console.templates t"
                " LEFT JOIN console.waba_numbers w ON w.id = t.waba_number_id AND w.account_id = t.account_id"
                " LEFT JOIN console.rcs_bots b ON b.id = t.rcs_bot_id AND b.account_id = t.account_id"
                " WHERE t.id = $1 AND t.account_id = $2",
                template_id,
                account_id,
            )
            if row is None:
                return None
            return TemplateInfo(
                row["id"],
                row["account_id"],
                row["name"],
                row["channel"],
                row["status"],
                row["category"],
                row["template_type"],
                placeholder_count(row["body"]),
                row["identity_active"],
            )

        return await self._get(("template", account_id, template_id), load, lambda _: account_id, lambda _: self.ttl)

    async def approved_sender_ids(self, account_id: int) -> frozenset[str]:
        async def load() -> frozenset[str]:
            rows = await self.pool.fetch(
                "SELECT sender_id FROM console.sender_ids WHERE account_id = $1 AND status = 'APPROVED'", account_id
            )
            return frozenset(r["sender_id"] for r in rows)

        return await self._get(("senders", account_id), load, lambda _: account_id, lambda _: self.ttl)

    async def blacklist(self, account_id: int) -> frozenset[str]:
        async def load() -> frozenset[str]:
            rows = await self.pool.fetch("SELECT recipient FROM console.blacklist WHERE account_id = $1", account_id)
            return frozenset(r["recipient"] for r in rows)

        return await self._get(("blacklist", account_id), load, lambda _: account_id, lambda _: self.ttl)
