"""`ControlPlane`: the console's data, read through one account-keyed cache.

What a lookup answers:
- a found row: its record, cached for `ttl_seconds`, evicted at once when the console
  notifies a change of its account (any of the account's tables);
- a row that does not exist (an unknown or revoked API key, a template id nobody owns):
  None, or left out of a batch's dict; cached for `absent_ttl_seconds`, and dropped at
  the next notification of any account (the row may just have been created);
- an account's collections (sender IDs, blacklist, WABA numbers, RCS bots): always an
  answer, empty when the account has none (or does not exist), cached like a found row;
- `template(account, id)` of a template another account owns: None (the template is
  cached under its owner).
A deleted row notifies like any change, so the next lookup reads the database again.

Misses of one call are loaded in one query per kind; concurrent misses of the same key
share that query. A lookup raises only what asyncpg raises (the database is away), and
then caches nothing. Losing the LISTEN connection clears everything (notifications may
have been missed meanwhile); a TTL bounds staleness should one be lost otherwise.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from cpaas.contracts.control_plane import CHANNEL, parse_change
from cpaas.contracts.fraud import FraudHold
from cpaas.control_plane import queries
from cpaas.control_plane.cache import MISS, AccountCache
from cpaas.control_plane.records import Account, RcsBot, SenderIds, Template, WabaNumber
from cpaas.platform.pg_listen import Listener

log = logging.getLogger(__name__)
DEFAULT_ABSENT_TTL_SECONDS = 5.0


def _as_stored(value: str) -> str:
    return value


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str
    load: Callable[[asyncpg.Pool, list, queries.OpenSecret], Awaitable[dict]]
    owner: Callable[[Any, Any], int | None]  # (key, value or None) -> the account it belongs to


def _the_key(key: int, _value: object) -> int:
    return key


_ACCOUNT = _Kind("account", queries.accounts, _the_key)
_KEY = _Kind("key", queries.accounts_by_key, lambda _key, account: account.id if account else None)
_TEMPLATE = _Kind("template", queries.templates, lambda _key, template: template.account_id if template else None)
_SENDER_IDS = _Kind("sender_ids", queries.sender_ids, _the_key)
_BLACKLIST = _Kind("blacklist", queries.blacklists, _the_key)
_WABA_NUMBERS = _Kind("waba_numbers", queries.waba_numbers, _the_key)
_RCS_BOTS = _Kind("rcs_bots", queries.rcs_bots, _the_key)
_FRAUD_HOLDS = _Kind("fraud_holds", queries.fraud_holds, _the_key)


class ControlPlane:
    """The console's data for one process. `open_secret` (e.g. `SecretBox(key).open`) opens
    WABA access tokens and RCS bot secrets once, when they are loaded; without it they are
    returned as stored (sealed, `enc:v1:...`)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        ttl_seconds: float,
        absent_ttl_seconds: float = DEFAULT_ABSENT_TTL_SECONDS,
        open_secret: queries.OpenSecret | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pool = pool
        self.ttl_seconds, self.absent_ttl_seconds = ttl_seconds, absent_ttl_seconds
        self.open_secret = open_secret or _as_stored
        self.cache = AccountCache(clock)
        self._loading: dict[Hashable, asyncio.Future] = {}

    # -- change notifications ------------------------------------------------------------
    def listener(self, dsn: str) -> Listener:
        """The LISTEN connection that keeps this cache current; the caller starts and stops it."""
        return Listener(dsn, CHANNEL, self.on_notify, self.clear)

    @asynccontextmanager
    async def listening(self, dsn: str) -> AsyncIterator["ControlPlane"]:
        """This reader, kept current by its LISTEN connection while the block runs (for a
        lifespan: `control = await stack.enter_async_context(ControlPlane(...).listening(dsn))`)."""
        listener = self.listener(dsn)
        await listener.start()
        try:
            yield self
        finally:
            await listener.stop()

    def on_notify(self, payload: str) -> None:
        change = parse_change(payload)
        if change is None:
            log.warning("unreadable console change notification; dropping the whole cache", extra={"payload": payload})
            self.cache.clear()
            return
        self.cache.evict_account(change.account_id)

    def clear(self) -> None:
        self.cache.clear()

    # -- accounts and API keys -----------------------------------------------------------
    async def account(self, account_id: int) -> Account | None:
        return await self._one(_ACCOUNT, account_id)

    async def accounts(self, account_ids: Iterable[int]) -> dict[int, Account]:
        """The accounts that exist among `account_ids`."""
        return _found(await self._many(_ACCOUNT, account_ids))

    async def account_for_key(self, key_hash: bytes) -> Account | None:
        """The account of an active (not revoked) API key, by the key's SHA-256."""
        return await self._one(_KEY, key_hash)

    def cached_account_for_key(self, key_hash: bytes) -> Account | object | None:
        """The cached answer for a key without loading it: an Account, None (known unknown)
        or MISS. Never suspends."""
        return self.cache.get((_KEY.name, key_hash))

    # -- templates -----------------------------------------------------------------------
    async def template(self, account_id: int, template_id: int) -> Template | None:
        """The template if it exists and belongs to this account, else None."""
        template = await self._one(_TEMPLATE, template_id)
        return template if template is not None and template.account_id == account_id else None

    async def templates(self, template_ids: Iterable[int]) -> dict[int, Template]:
        """The templates that exist among `template_ids`, whichever account owns them."""
        return _found(await self._many(_TEMPLATE, template_ids))

    # -- an account's collections --------------------------------------------------------
    async def sender_ids(self, account_id: int) -> SenderIds:
        return await self._one(_SENDER_IDS, account_id)

    async def sender_ids_of(self, account_ids: Iterable[int]) -> dict[int, SenderIds]:
        return await self._many(_SENDER_IDS, account_ids)

    async def blacklist(self, account_id: int) -> frozenset[str]:
        """The account's blacklisted recipients (E.164)."""
        return await self._one(_BLACKLIST, account_id)

    async def waba_numbers(self, account_ids: Iterable[int]) -> dict[int, tuple[WabaNumber, ...]]:
        """Each account's WABA numbers, oldest first."""
        return await self._many(_WABA_NUMBERS, account_ids)

    async def rcs_bots(self, account_ids: Iterable[int]) -> dict[int, tuple[RcsBot, ...]]:
        """Each account's RCS bots, oldest first."""
        return await self._many(_RCS_BOTS, account_ids)

    async def fraud_holds(self, account_id: int) -> tuple[FraudHold, ...]:
        """The account's active fraud holds (the ai service writes them; a change notifies
        on the console's channel as `fraud_holds:<account id>`), oldest first."""
        return await self._one(_FRAUD_HOLDS, account_id)

    async def fraud_holds_of(self, account_ids: Iterable[int]) -> dict[int, tuple[FraudHold, ...]]:
        return await self._many(_FRAUD_HOLDS, account_ids)

    # -- the cache -----------------------------------------------------------------------
    async def _one(self, kind: _Kind, key: Hashable) -> Any:
        value = self.cache.get((kind.name, key))
        if value is not MISS:
            return value
        return (await self._load(kind, [key]))[key]

    async def _many(self, kind: _Kind, keys: Iterable[Hashable]) -> dict:
        found, missing = {}, []
        for key in set(keys):
            value = self.cache.get((kind.name, key))
            if value is MISS:
                missing.append(key)
            else:
                found[key] = value
        if missing:
            found.update(await self._load(kind, missing))
        return found

    async def _load(self, kind: _Kind, keys: list) -> dict:
        """Every key's value (None when it has no row), in one query for the keys no other
        call is loading already."""
        pending = {k: f for k in keys if (f := self._loading.get((kind.name, k))) is not None}
        todo = [k for k in keys if k not in pending]
        result = {}
        if todo:
            result = await self._query(kind, todo)
        for key, future in pending.items():
            result[key] = await asyncio.shield(future)
        return result

    async def _query(self, kind: _Kind, keys: list) -> dict:
        loop = asyncio.get_running_loop()
        futures = {k: loop.create_future() for k in keys}
        for key, future in futures.items():
            self._loading[(kind.name, key)] = future
        generation = self.cache.generation
        try:
            loaded = await kind.load(self.pool, keys, self.open_secret)
        except BaseException as exc:
            for future in futures.values():
                future.set_exception(exc)
                future.exception()  # retrieved: only the waiters re-raise it
            raise
        finally:
            for key in keys:
                self._loading.pop((kind.name, key), None)
        result = {}
        for key, future in futures.items():
            value = loaded.get(key)
            owner = kind.owner(key, value)
            ttl = self.ttl_seconds if owner is not None else self.absent_ttl_seconds
            self.cache.put((kind.name, key), value, account_id=owner, ttl=ttl, generation=generation)
            future.set_result(value)
            result[key] = value
        return result


def _found(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}
