"""A pooled connection goes back to its pool without a reset statement unless it said it
holds session state; one that did (a session advisory lock) is reset in full, and an open
transaction is rolled back either way."""

import asyncpg

from cpaas.platform.db import create_pool
from cpaas.platform.pg_session import hold_session_state
from cpaas.platform.settings import PostgresSettings

LOCK = 4242


async def _statements_of_a_release(pool: asyncpg.Pool, use) -> list[str]:
    """The statements the pool runs on a connection once `use(conn)` is done with it."""
    seen: list[str] = []
    conn = await pool.acquire()
    try:
        await use(conn)
        conn.add_query_logger(lambda record: seen.append(record.query))
    finally:
        await pool.release(conn)
    return seen


async def test_a_plain_release_runs_no_statement_and_a_session_lock_is_reset(pg_settings: PostgresSettings) -> None:
    pool = await create_pool(pg_settings, schema="public", application_name="pool-reset")
    try:

        async def plain(conn) -> None:
            assert await conn.fetchval("SELECT 1") == 1

        assert await _statements_of_a_release(pool, plain) == []

        async def locks(conn) -> None:
            hold_session_state(conn)
            assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)

        reset = await _statements_of_a_release(pool, locks)
        assert any("pg_advisory_unlock_all" in q for q in reset), reset
        other = await asyncpg.connect(pg_settings.dsn)
        try:  # the lock went with the reset, so another session takes it
            assert await other.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)
            await other.execute("SELECT pg_advisory_unlock($1)", LOCK)
        finally:
            await other.close()
        # and the next release of that connection is plain again
        assert await _statements_of_a_release(pool, plain) == []
    finally:
        await pool.close()


async def test_a_connection_released_inside_a_transaction_is_rolled_back(pg_settings: PostgresSettings) -> None:
    pool = await create_pool(pg_settings, schema="public", application_name="pool-reset")
    try:
        await pool.execute("CREATE TABLE IF NOT EXISTS reset_probe (id int PRIMARY KEY)")
        conn = await pool.acquire()
        tx = conn.transaction()
        await tx.start()
        await conn.execute("INSERT INTO reset_probe VALUES (1)")
        await pool.release(conn)  # not committed: asyncpg rolls it back before the reset hook
        assert await pool.fetchval("SELECT count(*) FROM reset_probe") == 0
    finally:
        await pool.close()
