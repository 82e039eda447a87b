"""An account's time zone: set by the admin at creation, changed in Settings, and used for
the Dashboard's "today", the Reports date filters and the CSV export; the API's times stay
UTC with their offset."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cpaas.contracts.ids import new_message_id
from cpaas.platform.migrations import apply_migrations

REPORTING_MIGRATIONS = Path(__file__).parents[4] / "services/reporting/src/cpaas/reporting/migrations"


async def logged(pool, account_id: int, at: datetime) -> str:
    """One delivered SMS of `account_id` created at `at`, in the reporting tables."""
    message_id = new_message_id(int(at.timestamp() * 1000))
    await pool.execute(
        "INSERT INTO reporting.messages (message_id, created_at, account_id, recipient, channel, primary_channel,"
        " status, status_rank) VALUES ($1, $2, $3, '+919876543210', 'SMS', 'SMS', 'DELIVERED', 3)",
        message_id,
        at,
        account_id,
    )
    return message_id


async def test_the_admin_sets_a_zone_at_creation_and_a_bad_one_is_refused(console) -> None:
    admin = await console.admin()
    bad = await admin.post("/api/admin/users", json={"username": "tz_bad", "accountName": "X", "timeZone": "IST"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "timeZone"
    body = {"username": "ny_ops", "accountName": "New York Shop", "timeZone": "America/New_York"}
    created = (await admin.post("/api/admin/users", json=body)).json()
    accounts = {a["id"]: a["timeZone"] for a in (await admin.get("/api/admin/accounts")).json()}
    assert accounts[created["accountId"]] == "America/New_York"
    assert accounts[console.creds["accountId"]] == "Asia/Kolkata"  # the default
    user = await console.login("ny_ops", created["password"])
    me = (await user.get("/api/auth/me")).json()["user"]
    assert me["timeZone"] == "America/New_York"
    assert (await user.get("/api/settings")).json()["timeZone"] == "America/New_York"
    refused = await user.put("/api/settings/time-zone", json={"timeZone": "Mars/Base"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "timeZone"
    changed = await user.put("/api/settings/time-zone", json={"timeZone": "Europe/London"})
    assert changed.status_code == 200 and changed.json()["timeZone"] == "Europe/London"
    assert (await user.get("/api/auth/me")).json()["user"]["timeZone"] == "Europe/London"


async def test_today_filters_and_the_export_follow_the_accounts_zone(console) -> None:
    pool = console.app.state.store.pool
    await apply_migrations(pool, "reporting", REPORTING_MIGRATIONS)
    user = await console.user()
    # Pacific/Kiritimati is UTC+14: its midnight is 10:00 UTC, so its "today" is never UTC's
    now = datetime.now(UTC)
    account = console.creds["accountId"]
    dates = sorted({(now + timedelta(days=d)).date() for d in (-2, -1, 0, 1)})
    await pool.execute("SELECT reporting.ensure_day_partitions($1::date[])", dates)
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    midnight_there = now.astimezone(kiritimati).replace(hour=0, minute=0, second=0, microsecond=0)
    before_midnight = await logged(pool, account, midnight_there - timedelta(minutes=1))
    after_midnight = await logged(pool, account, midnight_there + timedelta(seconds=1))

    await user.put("/api/settings/time-zone", json={"timeZone": "Pacific/Kiritimati"})
    # the same session: the zone is read with the session at each request
    dashboard = (await user.get("/api/dashboard")).json()
    assert dashboard["messagesToday"] == 1  # only the one after Kiritimati's midnight

    local_midnight = midnight_there.replace(tzinfo=None).isoformat()  # no offset: the account's zone
    listed = (await user.get("/api/reports", params={"from": local_midnight})).json()
    assert [m["messageId"] for m in listed["items"]] == [after_midnight]
    earlier = (await user.get("/api/reports", params={"to": local_midnight})).json()
    assert [m["messageId"] for m in earlier["items"]] == [before_midnight]
    created = datetime.fromisoformat(listed["items"][0]["createdAt"])
    assert created.utcoffset() == timedelta(0)  # the API answers in UTC, with its offset

    exported = await user.get("/api/reports/export.csv", params={"from": local_midnight})
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    shown = datetime.fromisoformat(row["created_at"])
    assert shown.utcoffset() == timedelta(hours=14) and shown == midnight_there + timedelta(seconds=1)
