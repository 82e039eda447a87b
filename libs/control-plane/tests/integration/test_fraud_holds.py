"""The control plane's fraud holds: the ai service's ACTIVE holds of an account (its own
migrations on a real database), kept current by the notification its trigger sends on the
console's change channel; no ai schema at all reads as no holds."""

import asyncio
from pathlib import Path

import asyncpg
import pytest

import cpaas.ai
from cpaas.contracts.errors import ApiError
from cpaas.contracts.fraud import refuse_if_held
from cpaas.control_plane import ControlPlane
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import PostgresSettings

AI_MIGRATIONS = Path(cpaas.ai.__file__).parent / "migrations"
PLACE = (
    "INSERT INTO ai.fraud_holds (account_id, subject_type, subject, alert_type, probability, created_at)"
    " VALUES ($1, $2, $3, 'NUMBER_RANGE_CONCENTRATION', 0.97, now()) RETURNING hold_id"
)


async def _eventually(check, seconds: float = 10.0):
    deadline = asyncio.get_running_loop().time() + seconds
    while not (result := await check()):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return result


async def test_active_holds_are_read_and_a_release_is_seen_at_once(
    console_pool: asyncpg.Pool, pg_settings: PostgresSettings
) -> None:
    await apply_migrations(console_pool, "ai", AI_MIGRATIONS)
    held = await console_pool.fetchval(PLACE, 7, "PREFIX", "+91987650")
    await console_pool.fetchval(PLACE, 8, "COUNTRY", "GB")  # another account's hold
    control = ControlPlane(console_pool, ttl_seconds=3600)
    async with control.listening(pg_settings.dsn):
        holds = await control.fraud_holds(7)
        assert [(h.hold_id, h.subject_type, h.subject) for h in holds] == [(held, "PREFIX", "+91987650")]
        with pytest.raises(ApiError) as refused:
            refuse_if_held("+919876501234", holds)
        assert refused.value.code == "FRAUD_HOLD" and f"#{held}" in refused.value.message
        refuse_if_held("+919876611234", holds)  # another range of the same account: not held

        await console_pool.execute("UPDATE ai.fraud_holds SET status = 'RELEASED' WHERE hold_id = $1", held)
        assert await _eventually(lambda: _released(control, 7))
        assert [h.subject for h in await control.fraud_holds(8)] == ["GB"]


async def _released(control: ControlPlane, account_id: int) -> bool:
    return await control.fraud_holds(account_id) == ()


async def test_without_the_ai_schema_there_are_no_holds(console_pool: asyncpg.Pool) -> None:
    control = ControlPlane(console_pool, ttl_seconds=3600)
    assert await control.fraud_holds(7) == ()
