"""The migrations runner against the real PostgreSQL."""

import asyncio
from pathlib import Path

import asyncpg
import pytest

from cpaas.platform.db import create_pool
from cpaas.platform.migrations import MigrationError, apply_migrations
from cpaas.platform.settings import PostgresSettings


def write(directory: Path, name: str, sql: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(sql)


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "migrations"
    write(directory, "0001_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);")
    # a slow second step widens the window in which two replicas could collide
    write(directory, "0002_seed.sql", "SELECT pg_sleep(0.3); INSERT INTO accounts VALUES (1, 'demo');")
    return directory


async def test_migrations_apply_once_and_in_order(pg_settings: PostgresSettings, migrations_dir: Path) -> None:
    pool = await create_pool(pg_settings, schema="billing", application_name="test")
    try:
        first = await apply_migrations(pool, "billing", migrations_dir)
        second = await apply_migrations(pool, "billing", migrations_dir)
        rows = await pool.fetch("SELECT id, name FROM billing.accounts")
        versions = await pool.fetch("SELECT version FROM billing.schema_migrations ORDER BY version")
    finally:
        await pool.close()
    assert first == ["0001_accounts.sql", "0002_seed.sql"]
    assert second == []
    assert [tuple(r) for r in rows] == [(1, "demo")]
    assert [r["version"] for r in versions] == [1, 2]


async def test_two_replicas_migrating_at_once_apply_each_file_once(
    pg_settings: PostgresSettings, migrations_dir: Path
) -> None:
    pools = [await create_pool(pg_settings, schema="billing", application_name=f"replica{i}") for i in range(2)]
    try:
        results = await asyncio.gather(*(apply_migrations(p, "billing", migrations_dir) for p in pools))
        count = await pools[0].fetchval("SELECT count(*) FROM billing.accounts")
    finally:
        for pool in pools:
            await pool.close()
    assert sorted(len(r) for r in results) == [0, 2]
    assert count == 1


async def test_a_changed_applied_migration_is_refused(pg_settings: PostgresSettings, migrations_dir: Path) -> None:
    pool = await create_pool(pg_settings, schema="billing", application_name="test")
    try:
        await apply_migrations(pool, "billing", migrations_dir)
        write(migrations_dir, "0001_accounts.sql", "CREATE TABLE accounts (id int);")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await apply_migrations(pool, "billing", migrations_dir)
    finally:
        await pool.close()


async def test_a_failing_migration_leaves_nothing_half_applied(pg_settings: PostgresSettings, tmp_path: Path) -> None:
    directory = tmp_path / "bad"
    write(directory, "0001_ok.sql", "CREATE TABLE a (id int);")
    write(directory, "0002_broken.sql", "CREATE TABLE b (id int); SELECT no_such_function();")
    pool = await create_pool(pg_settings, schema="reporting", application_name="test")
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await apply_migrations(pool, "reporting", directory)
        tables = await pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting' ORDER BY 1"
        )
    finally:
        await pool.close()
    assert [t["table_name"] for t in tables] == ["a", "schema_migrations"]
