"""The console's triggers hold to the declared change notification (cpaas.contracts.control_plane),
on the console's own migrations applied to a real database."""

import asyncio

import asyncpg
import pytest

from cpaas.contracts.control_plane import CHANNEL, SCHEMA, TABLES, ConsoleChange, parse_change

# One row of each table: created, changed and removed, as the console would.
ROW_LIFE = {
    "accounts": (
        "INSERT INTO console.accounts (id, name) VALUES ($1, 'Row life') RETURNING id",
        "UPDATE console.accounts SET name = 'Renamed' WHERE id = $1",
        "DELETE FROM console.accounts WHERE id = $1",
    ),
    "api_keys": (
        "INSERT INTO console.api_keys (account_id, key_hash, key_prefix) VALUES ($1, '\\x01', 'k') RETURNING id",
        "UPDATE console.api_keys SET revoked_at = now() WHERE id = $1",
        "DELETE FROM console.api_keys WHERE id = $1",
    ),
    "templates": (
        "INSERT INTO console.templates (account_id, name, channel, status, body)"
        " VALUES ($1, 'row_life', 'SMS', 'PENDING', 'hello') RETURNING id",
        "UPDATE console.templates SET status = 'APPROVED' WHERE id = $1",
        "DELETE FROM console.templates WHERE id = $1",
    ),
    "sender_ids": (
        "INSERT INTO console.sender_ids (account_id, sender_id, pe_id) VALUES ($1, 'ROWLIFE', '1') RETURNING id",
        "UPDATE console.sender_ids SET status = 'APPROVED' WHERE id = $1",
        "DELETE FROM console.sender_ids WHERE id = $1",
    ),
    "blacklist": (
        "INSERT INTO console.blacklist (account_id, recipient) VALUES ($1, '+919876543210') RETURNING account_id",
        "UPDATE console.blacklist SET created_at = now() WHERE account_id = $1",
        "DELETE FROM console.blacklist WHERE account_id = $1",
    ),
    "waba_numbers": (
        "INSERT INTO console.waba_numbers (account_id, phone_number, waba_id, phone_number_id, api_key)"
        " VALUES ($1, '+919812345678', 'w', 'p', 'k') RETURNING id",
        "UPDATE console.waba_numbers SET status = 'INACTIVE' WHERE id = $1",
        "DELETE FROM console.waba_numbers WHERE id = $1",
    ),
    "rcs_bots": (
        "INSERT INTO console.rcs_bots (account_id, display_name, bot_id, handle, api_key)"
        " VALUES ($1, 'Bot', 'agent', 'row_life', 'k') RETURNING id",
        "UPDATE console.rcs_bots SET status = 'ACTIVE' WHERE id = $1",
        "DELETE FROM console.rcs_bots WHERE id = $1",
    ),
}


async def test_every_table_with_a_change_trigger_is_declared_and_every_declared_one_has_it(
    console_pool: asyncpg.Pool,
) -> None:
    rows = await console_pool.fetch(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid"
        " WHERE n.nspname = $1 AND p.proname = 'notify_console_change' AND NOT t.tgisinternal",
        SCHEMA,
    )
    assert {r["relname"] for r in rows} == TABLES
    assert set(ROW_LIFE) == TABLES


@pytest.mark.parametrize("table", sorted(TABLES))
async def test_each_change_of_a_row_notifies_its_table_and_account_as_the_contract_parses(
    console_pool: asyncpg.Pool, table: str
) -> None:
    account_id = await console_pool.fetchval("INSERT INTO console.accounts (name) VALUES ('Owner') RETURNING id")
    payloads: asyncio.Queue[str] = asyncio.Queue()

    def heard(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        payloads.put_nowait(payload)

    async with console_pool.acquire() as listening:
        await listening.add_listener(CHANNEL, heard)
        insert, update, delete = ROW_LIFE[table]
        subject = account_id + 1000 if table == "accounts" else account_id  # an account row is its own subject
        row_id = await console_pool.fetchval(insert, subject)
        await console_pool.execute(update, row_id)
        await console_pool.execute(delete, row_id)
        received = [await asyncio.wait_for(payloads.get(), 5) for _ in range(3)]
        await listening.remove_listener(CHANNEL, heard)
    assert [parse_change(p) for p in received] == [ConsoleChange(table, subject)] * 3
