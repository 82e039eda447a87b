"""A write that follows an effect outside the database survives PostgreSQL dropping every
connection (as a server restart does): `until_written` retries it on a fresh connection,
where a bare write fails and would make the effect happen again."""

import time

import asyncpg
import pytest

from cpaas.platform.db import create_pool, until_written
from cpaas.platform.settings import PostgresSettings


async def _drop_connections(pg: PostgresSettings, application_name: str) -> int:
    conn = await asyncpg.connect(pg.dsn)
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1) t",
            application_name,
        )
    finally:
        await conn.close()


async def test_a_write_waits_out_a_server_that_refuses_connections(pg_settings: PostgresSettings) -> None:
    """PostgreSQL away (connections refused, as while it restarts) for 1.5 s: the write is
    taken once it is back, where a bare write fails at once."""
    pool = await create_pool(pg_settings, schema="public", application_name="until-written")
    try:
        await pool.execute("CREATE TABLE results (id int PRIMARY KEY)")
        calls, started = 0, time.monotonic()

        async def write_after_an_outage() -> str:
            nonlocal calls
            calls += 1
            if time.monotonic() - started < 1.5:
                await asyncpg.connect("postgresql://nobody@127.0.0.1:1/none")  # refused, as a server that is down
            return await pool.execute("INSERT INTO results VALUES (2) ON CONFLICT DO NOTHING")

        await until_written(write_after_an_outage, what="test", give_up_seconds=10)
        assert calls > 2
        assert await pool.fetchval("SELECT count(*) FROM results WHERE id = 2") == 1
        assert await _drop_connections(pg_settings, "until-written") >= 1  # and through dropped connections
        await until_written(
            lambda: pool.execute("INSERT INTO results VALUES (3) ON CONFLICT DO NOTHING"),
            what="test",
            give_up_seconds=10,
        )
        assert await pool.fetchval("SELECT count(*) FROM results") == 2
    finally:
        await pool.close()


async def test_a_write_that_keeps_failing_is_given_up() -> None:
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionRefusedError("no server")

    with pytest.raises(ConnectionRefusedError):
        await until_written(failing, what="test", give_up_seconds=0.5)
    assert calls >= 2
