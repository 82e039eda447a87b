"""The message log's writes read a full day's partitions by index: a batch costs its own
rows, not the day's (a hash join over the whole partition was 16 ms for 50-440 messages at
110,000 a day, with PostgreSQL's default random_page_cost)."""

import json
from datetime import UTC, datetime

import asyncpg
import pytest

from cpaas.reporting.store import _CHARGE_MESSAGES, IN_MEMORY_READ_COSTS, INSERT_EVENTS, PROJECT_MESSAGES, MessageLog

DAY = datetime(2031, 3, 4, tzinfo=UTC)
MESSAGES = 20_000
BATCH = 440


@pytest.fixture
async def full_day(pool: asyncpg.Pool) -> asyncpg.Pool:
    """A day with MESSAGES messages, an attempt and an event each, analyzed (as autovacuum
    does once a partition has filled a little)."""
    await MessageLog(pool).ensure_days({DAY.date()})
    await pool.execute(
        """
        INSERT INTO messages (message_id, created_at, account_id, recipient, channel, primary_channel, attempt,
                              status, status_rank, status_at, template_id)
        SELECT 'msg_' || lpad(n::text, 26, '0'), $1::timestamptz + n * interval '4 seconds', 1, '+919876543210',
               'SMS', 'SMS', 1, 'SUBMITTED', 1, $1::timestamptz, 1
        FROM generate_series(1, $2) n
        """,
        DAY,
        MESSAGES,
    )
    await pool.execute(
        "INSERT INTO message_attempts (message_id, created_at, attempt, channel, status, status_rank)"
        " SELECT message_id, created_at, 1, 'SMS', 'SUBMITTED', 1 FROM messages WHERE created_at >= $1",
        DAY,
    )
    await pool.execute(
        "INSERT INTO message_events (event_id, message_id, created_at, event_type, attempt, channel, status,"
        " occurred_at) SELECT 'e-' || message_id, message_id, created_at, 'submitted', 1, 'SMS', 'SUBMITTED',"
        " created_at FROM messages WHERE created_at >= $1",
        DAY,
    )
    for table in ("messages", "message_attempts", "message_events"):
        await pool.execute(f"ANALYZE {table}_p{DAY:%Y%m%d}")
    return pool


def _scans(plan: dict) -> list[tuple[str, str]]:
    """(node type, relation) of every scan node that reads a relation."""
    found = []
    if "Relation Name" in plan:
        found.append((plan["Node Type"], plan["Relation Name"]))
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


async def _plan(conn: asyncpg.Connection, sql: str, *args) -> list[tuple[str, str]]:
    rows = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    return _scans((json.loads(rows) if isinstance(rows, str) else rows)[0]["Plan"])


async def test_each_write_reads_a_full_days_partitions_by_index(full_day: asyncpg.Pool) -> None:
    async with full_day.acquire() as conn:
        batch = await conn.fetch(
            "SELECT message_id, created_at FROM messages WHERE created_at >= $1 ORDER BY created_at"
            " OFFSET 9000 LIMIT $2",
            DAY,
            BATCH,
        )
        ids, created = [r["message_id"] for r in batch], [r["created_at"] for r in batch]
        lo, hi = min(created), max(created)
        events = json.dumps(
            [
                [f"e2-{m}", "status_changed", m, c.isoformat(), 1, "SMS", "DELIVERED", c.isoformat(), None, None, None]
                for m, c in zip(ids, created, strict=True)
            ]
        )
        for _ in range(7):  # past the plan cache's five custom plans, when a generic one may be chosen
            tx = conn.transaction()
            await tx.start()
            try:
                await conn.execute(IN_MEMORY_READ_COSTS)
                plans = {
                    "history": await _plan(conn, INSERT_EVENTS, events, lo, hi),
                    "projection": await _plan(conn, PROJECT_MESSAGES, ids, created, lo, hi),
                    "costs": await _plan(conn, _CHARGE_MESSAGES, ids, created, "INR", lo, hi),
                }
            finally:
                await tx.rollback()  # EXPLAIN ANALYZE ran the writes: nothing of them is kept
        for name, scans in plans.items():
            partitions = [(node, rel) for node, rel in scans if rel.startswith("message")]
            assert partitions, f"{name}: no partition read at all: {scans}"
            assert all(node != "Seq Scan" for node, _ in partitions), f"{name} scans a whole partition: {partitions}"
