"""The one cache of console data: every entry belongs to an account, or to none.

Guarantees:
- `get` answers the cached value (which may be None, "known not to exist") or `MISS`
  (never loaded, expired, or evicted); it never blocks and never does I/O.
- `evict_account(a)` drops every entry of account `a` and every entry of no account;
  `clear()` drops everything. Both bump `generation`.
- `put(..., generation=g)` keeps the value only if nothing was evicted since `g` was
  read, so a load that raced a change is used by its caller but not kept.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any, Final

MAX_UNOWNED_ENTRIES = 100_000  # entries of no account (unknown API keys); more are dropped at once


class _Miss:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISS"


MISS: Final = _Miss()


class AccountCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.generation = 0
        self._entries: dict[Hashable, tuple[float, Any]] = {}  # key -> (expires at, value)
        self._by_account: dict[int, set[Hashable]] = {}
        self._unowned: set[Hashable] = set()

    def get(self, key: Hashable) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self.clock():
            return MISS
        return entry[1]

    def put(self, key: Hashable, value: Any, *, account_id: int | None, ttl: float, generation: int) -> None:
        if generation != self.generation:
            return
        if account_id is None:
            if len(self._unowned) >= MAX_UNOWNED_ENTRIES:
                self._drop_unowned()
            self._unowned.add(key)
        else:
            self._by_account.setdefault(account_id, set()).add(key)
        self._entries[key] = (self.clock() + ttl, value)

    def evict_account(self, account_id: int) -> None:
        self.generation += 1
        for key in self._by_account.pop(account_id, ()):
            self._entries.pop(key, None)
        self._drop_unowned()

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._by_account.clear()
        self._unowned.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _drop_unowned(self) -> None:
        for key in self._unowned:
            self._entries.pop(key, None)
        self._unowned.clear()
