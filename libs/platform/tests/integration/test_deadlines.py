"""The receipt-deadline loop against the real PostgreSQL, with a toy attempts table whose
sweep marks what it "publishes" (a list stands in for Kafka here: the loop is under test)."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from cpaas.platform.db import create_pool
from cpaas.platform.deadlines import DEFERRED, EXPIRED, DeadlineSweeper, expiry_detail
from cpaas.platform.settings import PostgresSettings

CLAIM = """
SELECT id FROM attempts WHERE due_at <= now() ORDER BY due_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
"""


@pytest.fixture
async def pool(pg_settings: PostgresSettings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(pg_settings, schema="public", application_name="test")
    await pool.execute("CREATE TABLE attempts (id int PRIMARY KEY, due_at timestamptz, expired_at timestamptz)")
    try:
        yield pool
    finally:
        await pool.close()


async def add_overdue(pool: asyncpg.Pool, count: int) -> None:
    await pool.execute(
        "INSERT INTO attempts (id, due_at) SELECT i, now() - interval '1 second' FROM generate_series(1, $1) i", count
    )


def expiring(published: list[int], *, slow_seconds: float = 0.0):
    async def sweep_batch(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        ids = [r["id"] for r in await conn.fetch(CLAIM, limit)]
        await asyncio.sleep(slow_seconds)  # a slow publish widens the window two sweepers could share
        published.extend(ids)
        await conn.execute("UPDATE attempts SET due_at = NULL, expired_at = now() WHERE id = ANY($1)", ids)
        return {EXPIRED: len(ids)}

    return sweep_batch


async def test_a_round_takes_every_overdue_attempt_in_batches(pool: asyncpg.Pool) -> None:
    await add_overdue(pool, 5)
    await pool.execute("INSERT INTO attempts (id, due_at) VALUES (99, now() + interval '1 hour')")
    published: list[int] = []
    sweeper = DeadlineSweeper(pool, expiring(published), service="test", every_seconds=60, batch_rows=2)
    assert await sweeper.sweep_once() == {EXPIRED: 5}
    assert sorted(published) == [1, 2, 3, 4, 5]
    assert await sweeper.sweep_once() == {EXPIRED: 0}


async def test_two_sweepers_at_once_expire_each_attempt_once(pool: asyncpg.Pool) -> None:
    await add_overdue(pool, 40)
    published: list[int] = []
    sweepers = [
        DeadlineSweeper(pool, expiring(published, slow_seconds=0.05), service="test", every_seconds=60, batch_rows=7)
        for _ in range(3)
    ]
    await asyncio.gather(*(s.sweep_once() for s in sweepers))
    assert sorted(published) == list(range(1, 41))


async def test_a_failed_batch_marks_nothing_and_the_next_round_takes_it(pool: asyncpg.Pool) -> None:
    await add_overdue(pool, 3)
    published: list[int] = []
    calls = 0

    async def kafka_down_once(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await conn.execute("UPDATE attempts SET due_at = NULL")  # rolled back with the failure
            raise ConnectionError("Kafka is away")
        return await expiring(published)(conn, limit)

    sweeper = DeadlineSweeper(pool, kafka_down_once, service="test", every_seconds=0.05)
    task = asyncio.create_task(sweeper.run())
    try:
        async with asyncio.timeout(5):
            while len(published) < 3:
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
    assert sorted(published) == [1, 2, 3]


async def test_deferred_rows_end_the_round(pool: asyncpg.Pool) -> None:
    await add_overdue(pool, 2)
    rounds = 0

    async def provider_away(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        nonlocal rounds
        rounds += 1
        return {DEFERRED: len(await conn.fetch(CLAIM, limit))}

    sweeper = DeadlineSweeper(pool, provider_away, service="test", every_seconds=60, batch_rows=2)
    assert await sweeper.sweep_once() == {DEFERRED: 2}
    assert rounds == 1


def test_expiry_detail_names_the_deadline() -> None:
    assert expiry_detail(86400.0) == "expired, no receipt within 86400 s"
    assert expiry_detail(1.5) == "expired, no receipt within 1.5 s"
