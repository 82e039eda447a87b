"""An account's time zone, as the console stores it, read through the control plane (campaigns
use it for scheduled starts and quiet hours)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from cpaas.control_plane import ControlPlane
from cpaas.platform.settings import PostgresSettings


@pytest.fixture
async def control(console_pool: asyncpg.Pool, pg_settings: PostgresSettings) -> AsyncIterator[ControlPlane]:
    reader = ControlPlane(console_pool, ttl_seconds=60, absent_ttl_seconds=60)
    async with reader.listening(pg_settings.dsn):
        yield reader


async def test_an_account_has_the_default_zone_until_the_console_sets_another(control, console) -> None:
    account_id = await console.account()
    account = await control.account(account_id)
    assert account is not None and account.time_zone == "Asia/Kolkata"
    assert account.zone.utcoffset(datetime(2026, 1, 1)) == timedelta(hours=5, minutes=30)
    await console.pool.execute("UPDATE console.accounts SET time_zone = 'America/New_York' WHERE id = $1", account_id)
    deadline = asyncio.get_running_loop().time() + 3
    while (account := await control.account(account_id)).time_zone != "America/New_York":
        assert asyncio.get_running_loop().time() < deadline, "the change never reached the cache"
        await asyncio.sleep(0.02)
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(account.zone)
    assert winter.utcoffset() == timedelta(hours=-5) and winter.hour == 7
