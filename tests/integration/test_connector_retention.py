"""Each connector's retention statements, on its real schema: rows older than the
retention go (children with their parent, in batches), newer ones stay, and the foreign
keys hold."""

import importlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.retention import RetentionSweeper

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OLD, NEW = NOW - timedelta(days=10), NOW - timedelta(days=1)

# per connector: schema, parent insert, child insert, count queries (parent, child)
CASES = {
    "sms_connector": (
        "sms",
        "INSERT INTO sends (message_id, attempt, account_id, recipient, template_id, created_at)"
        " VALUES ($1, 1, 1, '+919876543210', 1, $2)",
        "INSERT INTO segments (carrier_message_id, message_id, attempt, seq) VALUES ($1 || '-c', $1, 1, 1)",
        ("SELECT count(*) FROM sends", "SELECT count(*) FROM segments"),
    ),
    "wa_connector": (
        "wa",
        "INSERT INTO sends (message_id, attempt, account_id, recipient, template_id, created_at)"
        " VALUES ($1, 1, 1, '+919876543210', 1, $2)",
        "INSERT INTO webhook_statuses (wamid, provider_status, message_id, attempt, occurred_at, received_at)"
        " SELECT $1 || '-w', 'delivered', $1, 1, created_at, created_at FROM sends WHERE message_id = $1",
        ("SELECT count(*) FROM sends", "SELECT count(*) FROM webhook_statuses"),
    ),
    "rcs_connector": (
        "rcs",
        "INSERT INTO sends (message_id, attempt, account_id, recipient, template_id, provider_message_id, created_at)"
        " VALUES ($1, 1, 1, '+919876543210', 1, $1 || '-p', $2)",
        "INSERT INTO delivery_events (provider_message_id, event_type, occurred_at) VALUES ($1 || '-p', 'DELIVERED', now())",
        ("SELECT count(*) FROM sends", "SELECT count(*) FROM delivery_events"),
    ),
    "voice_connector": (
        "voice",
        "INSERT INTO sends (message_id, attempt, account_id, recipient, template_id, sender_id, created_at)"
        " VALUES ($1, 1, 1, '+919876543210', 1, '+911140000000', $2)",
        "INSERT INTO call_events (call_sid, status, message_id, attempt, occurred_at) VALUES ($1 || '-c', 'completed', $1, 1, now())",
        ("SELECT count(*) FROM sends", "SELECT count(*) FROM call_events"),
    ),
}


@pytest.mark.parametrize("connector", list(CASES))
async def test_rows_past_the_retention_go_with_their_children_and_newer_ones_stay(pg_settings, connector) -> None:
    schema, parent, child, (count_parents, count_children) = CASES[connector]
    package = importlib.import_module(f"cpaas.{connector}")
    statements = importlib.import_module(f"cpaas.{connector}.retention").RETENTION
    pool = await create_pool(pg_settings, schema=schema, application_name="test")
    try:
        await apply_migrations(pool, schema, Path(package.__file__).parent / "migrations")
        for n in range(7):  # more than one batch of old rows
            await pool.execute(parent, f"old{n}", OLD)
            await pool.execute(child, f"old{n}")
        await pool.execute(parent, "new", NEW)
        await pool.execute(child, "new")

        sweeper = RetentionSweeper(pool, statements, keep=timedelta(days=7), batch_rows=3)
        deleted = await sweeper.sweep_once(now=NOW)

        assert deleted >= 7
        assert await pool.fetchval(count_parents) == 1
        assert await pool.fetchval(count_children) == 1
        assert await sweeper.sweep_once(now=NOW) == 0  # nothing more is old enough
    finally:
        await pool.close()
