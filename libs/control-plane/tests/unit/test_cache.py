"""The account-keyed cache and the reader's loading rules, with a fake pool (no database)."""

import asyncio

import pytest

from cpaas.control_plane import MISS, AccountCache, ControlPlane
from cpaas.control_plane.cache import MAX_UNOWNED_ENTRIES


def test_get_answers_the_value_none_for_known_absent_and_miss_otherwise() -> None:
    cache = AccountCache(clock=lambda: 0.0)
    cache.put("a", 1, account_id=1, ttl=10, generation=cache.generation)
    cache.put("unknown", None, account_id=None, ttl=10, generation=cache.generation)
    assert cache.get("a") == 1
    assert cache.get("unknown") is None
    assert cache.get("never") is MISS


def test_an_entry_expires_after_its_ttl() -> None:
    now = [0.0]
    cache = AccountCache(clock=lambda: now[0])
    cache.put("a", 1, account_id=1, ttl=10, generation=cache.generation)
    now[0] = 9.9
    assert cache.get("a") == 1
    now[0] = 10.0
    assert cache.get("a") is MISS


def test_evicting_an_account_drops_its_entries_and_those_of_no_account() -> None:
    cache = AccountCache(clock=lambda: 0.0)
    for key, account in (("a1", 1), ("a2", 1), ("b", 2), ("none", None)):
        cache.put(key, key, account_id=account, ttl=10, generation=cache.generation)
    cache.evict_account(1)
    assert [cache.get(k) for k in ("a1", "a2", "b", "none")] == [MISS, MISS, "b", MISS]


def test_a_value_loaded_before_an_eviction_is_not_kept() -> None:
    cache = AccountCache(clock=lambda: 0.0)
    started = cache.generation
    cache.evict_account(7)  # a change arrived while the value was being read
    cache.put("a", "stale", account_id=1, ttl=10, generation=started)
    assert cache.get("a") is MISS


def test_entries_of_no_account_are_bounded() -> None:
    cache = AccountCache(clock=lambda: 0.0)
    for i in range(MAX_UNOWNED_ENTRIES + 1):
        cache.put(i, None, account_id=None, ttl=10, generation=cache.generation)
    assert len(cache) == 1


class FakePool:
    """Answers the blacklist query after `delay`, counting calls; `during` runs mid-query."""

    def __init__(self, delay: float = 0.05) -> None:
        self.calls, self.delay, self.during = 0, delay, None

    async def fetch(self, sql: str, account_ids: list[int]) -> list[dict]:
        assert "console.blacklist" in sql
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.during:
            self.during()
        return [{"account_id": a, "recipient": "+919876543210"} for a in account_ids]


async def test_concurrent_misses_of_one_key_share_one_query() -> None:
    pool = FakePool()
    control = ControlPlane(pool, ttl_seconds=60)
    results = await asyncio.gather(*(control.blacklist(1) for _ in range(10)))
    assert pool.calls == 1 and all(r == frozenset({"+919876543210"}) for r in results)


async def test_a_load_that_raced_a_change_is_answered_but_not_kept() -> None:
    pool = FakePool()
    control = ControlPlane(pool, ttl_seconds=60)
    pool.during = lambda: control.on_notify("blacklist:1")
    assert await control.blacklist(1) == frozenset({"+919876543210"})
    assert control.cache.get(("blacklist", 1)) is MISS
    pool.during = None
    await control.blacklist(1)
    await control.blacklist(1)
    assert pool.calls == 2


async def test_an_unreadable_notification_drops_everything() -> None:
    control = ControlPlane(FakePool(delay=0), ttl_seconds=60)
    await control.blacklist(1)
    await control.blacklist(2)
    control.on_notify("something else")
    assert len(control.cache) == 0


async def test_a_failed_load_caches_nothing_and_every_waiter_sees_the_error() -> None:
    class BrokenPool:
        async def fetch(self, *_args: object) -> list:
            await asyncio.sleep(0.01)
            raise ConnectionError("database away")

    control = ControlPlane(BrokenPool(), ttl_seconds=60)
    results = await asyncio.gather(control.blacklist(1), control.blacklist(1), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert control.cache.get(("blacklist", 1)) is MISS
    with pytest.raises(ConnectionError):
        await control.blacklist(1)
