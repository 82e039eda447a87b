"""The submit rate shared by gateway replicas through the real PostgreSQL: two limiters,
each with its own pool (two replicas), draw on one bucket per account (store.SubmitBudgets)."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

import cpaas.gateway
from cpaas.contracts.errors import ApiError
from cpaas.gateway.domain.limits import RateLimiter, lease_slice
from cpaas.gateway.store import SubmitBudgets
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import PostgresSettings

RATE = 200  # submits a second per account
SECONDS = 3.0  # of offered load
OFFERED_PER_TICK = 5  # per replica every TICK_SECONDS: 1,000 a second, 5 x the rate
TICK_SECONDS = 0.005


@pytest.fixture
async def pools(pg_settings: PostgresSettings) -> AsyncIterator[list[asyncpg.Pool]]:
    pools = [await create_pool(pg_settings, schema="gateway", application_name=f"replica-{n}") for n in range(2)]
    try:
        await apply_migrations(pools[0], "gateway", Path(cpaas.gateway.__file__).parent / "migrations")
        yield pools
    finally:
        for pool in pools:
            await pool.close()


async def offer(limiter: RateLimiter, account: int, until: float) -> int:
    """Submits offered at 5 x the rate until `until`; how many the limiter let through."""
    accepted = 0
    while time.monotonic() < until:
        for _ in range(OFFERED_PER_TICK):
            try:
                await limiter.take(account, RATE)
                accepted += 1
            except ApiError:
                pass
        await asyncio.sleep(TICK_SECONDS)
    return accepted


async def test_two_replicas_together_accept_the_rate_once_not_twice(pools) -> None:
    replicas = [RateLimiter(1000, lease=SubmitBudgets(pool).lease) for pool in pools]
    started = time.monotonic()
    counts = await asyncio.gather(*(offer(r, 7, started + SECONDS) for r in replicas))
    elapsed = time.monotonic() - started
    budget = RATE * (1 + elapsed)  # a full bucket, then the rate
    assert sum(counts) <= budget + 2 * lease_slice(RATE), counts  # one process each used to allow this alone
    assert sum(counts) >= 0.85 * budget, counts
    assert min(counts) >= 0.25 * budget, counts  # both replicas are served, neither starves


async def test_one_replica_alone_gets_the_full_rate(pools) -> None:
    limiter = RateLimiter(1000, lease=SubmitBudgets(pools[0]).lease)
    started = time.monotonic()
    accepted = await offer(limiter, 8, started + SECONDS)
    budget = RATE * (1 + time.monotonic() - started)
    assert 0.9 * budget <= accepted <= budget + lease_slice(RATE)


async def test_a_lease_takes_whole_tokens_and_refills_on_the_databases_clock(pools) -> None:
    budgets = SubmitBudgets(pools[1])
    assert await budgets.lease(9, 150, 200) == (150, 50.0)  # a new bucket starts full
    granted, left = await budgets.lease(9, 150, 200)
    assert granted == 50 and 0 <= left < 1
    await asyncio.sleep(0.1)  # 20 tokens back at 200/s
    granted, left = await budgets.lease(9, 150, 200)
    assert 20 <= granted <= 24 and 0 <= left < 1
