"""The console's real schema (its own migrations) in this test's database, and rows in it.

Rows are written with plain SQL naming the console's columns, so a migration that renames
one fails here as it would fail a reader.
"""

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

import cpaas.console
from cpaas.contracts.control_plane import SCHEMA
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import PostgresSettings

CONSOLE_MIGRATIONS = Path(cpaas.console.__file__).parent / "migrations"


@pytest.fixture
async def console_pool(pg_settings: PostgresSettings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(pg_settings, schema=SCHEMA, application_name="test")
    try:
        await apply_migrations(pool, SCHEMA, CONSOLE_MIGRATIONS)
        yield pool
    finally:
        await pool.close()


def key_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@dataclass
class Console:
    """Writes console rows the way the console does (same tables, same columns)."""

    pool: asyncpg.Pool

    async def account(self, name: str = "Acme", **columns: object) -> int:
        names = ["name", *columns]
        placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
        return await self.pool.fetchval(
            f"INSERT INTO console.accounts ({', '.join(names)}) VALUES ({placeholders}) RETURNING id",
            name,
            *columns.values(),
        )

    async def api_key(self, account_id: int, key: str) -> None:
        await self.pool.execute(
            "INSERT INTO console.api_keys (account_id, key_hash, key_prefix) VALUES ($1, $2, $3)",
            account_id,
            key_hash(key),
            key[:8],
        )

    async def template(self, account_id: int, name: str, channel: str = "SMS", **columns: object) -> int:
        values = {"status": "APPROVED", "body": "Your code is {#var#}", **columns}
        names = ["account_id", "name", "channel", *values]
        placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
        return await self.pool.fetchval(
            f"INSERT INTO console.templates ({', '.join(names)}) VALUES ({placeholders}) RETURNING id",
            account_id,
            name,
            channel,
            *values.values(),
        )

    async def waba_number(self, account_id: int, phone: str, *, api_key: str = "token", status: str = "ACTIVE") -> int:
        return await self.pool.fetchval(
            "INSERT INTO console.waba_numbers (account_id, phone_number, waba_id, phone_number_id, api_key, status)"
            " VALUES ($1, $2, 'waba-' || $2, 'pn-' || $2, $3, $4) RETURNING id",
            account_id,
            phone,
            api_key,
            status,
        )

    async def rcs_bot(self, account_id: int, handle: str, *, api_key: str = "secret", status: str = "ACTIVE") -> int:
        return await self.pool.fetchval(
            "INSERT INTO console.rcs_bots (account_id, display_name, bot_id, handle, api_key, status)"
            " VALUES ($1, $2, 'agent-' || $2, $2, $3, $4) RETURNING id",
            account_id,
            handle,
            api_key,
            status,
        )

    async def sender_id(self, account_id: int, sender_id: str, *, status: str = "APPROVED") -> None:
        await self.pool.execute(
            "INSERT INTO console.sender_ids (account_id, sender_id, pe_id, status) VALUES ($1, $2, '1201160000000', $3)",
            account_id,
            sender_id,
            status,
        )

    async def blacklist(self, account_id: int, recipient: str) -> None:
        await self.pool.execute(
            "INSERT INTO console.blacklist (account_id, recipient) VALUES ($1, $2)", account_id, recipient
        )


@pytest.fixture
def console(console_pool: asyncpg.Pool) -> Console:
    return Console(console_pool)
