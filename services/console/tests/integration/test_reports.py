"""Reports, a message's detail, CSV export and the Dashboard over rows written into the
reporting tables (the reporting service's own migrations applied to the test database)."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cpaas.contracts.ids import new_message_id
from cpaas.platform.migrations import apply_migrations

REPORTING_MIGRATIONS = Path(__file__).parents[4] / "services/reporting/src/cpaas/reporting/migrations"
RANK = {"SUBMITTED": 1, "SUBMITTED_OPERATOR": 2, "DELIVERED": 3, "READ": 4, "FAILED": 3, "UNDELIVERED": 3}


async def insert_message(
    pool,
    account_id: int,
    at: datetime,
    channel: str,
    status: str,
    *,
    error=None,
    cost=None,
    recipient="+919876543210",
    campaign=None,
) -> str:
    message_id = new_message_id(int(at.timestamp() * 1000))
    created = datetime.fromtimestamp(int(at.timestamp() * 1000) / 1000, UTC)
    await pool.execute(
        "INSERT INTO reporting.messages (message_id, created_at, account_id, recipient, channel, primary_channel,"
        " status, status_rank, template_name, error_code, cost_minor, currency, campaign_id)"
        " VALUES ($1, $2, $3, $4, $5, $5, $6, $7, 'otp_alert', $8, $9, 'INR', $10)",
        message_id,
        created,
        account_id,
        recipient,
        channel,
        status,
        RANK[status],
        error,
        cost,
        campaign,
    )
    await pool.execute(
        "INSERT INTO reporting.message_attempts (message_id, created_at, attempt, channel, status, status_rank,"
        " cost_minor, error_code) VALUES ($1, $2, 1, $3, $4, $5, $6, $7)",
        message_id,
        created,
        channel,
        status,
        RANK[status],
        cost,
        error,
    )
    for n, event_status in enumerate(("SUBMITTED", status)):
        await pool.execute(
            "INSERT INTO reporting.message_events (event_id, message_id, created_at, event_type, attempt, channel,"
            " status, occurred_at) VALUES ($1, $2, $3, 'cpaas.message.status_changed.v1', 1, $4, $5, $6)",
            f"{message_id}-{n}",
            message_id,
            created,
            channel,
            event_status,
            created + timedelta(seconds=n),
        )
    return message_id


@pytest.fixture
async def log(console) -> dict:
    pool = console.app.state.store.pool
    await apply_migrations(pool, "reporting", REPORTING_MIGRATIONS)
    now = datetime.now(UTC)
    # today's rows stay on today's UTC date even just after midnight
    base = max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0, microsecond=0))
    earlier = now - timedelta(days=3)
    await pool.execute("SELECT reporting.ensure_day_partitions($1::date[])", [now.date(), earlier.date()])
    account = console.creds["accountId"]
    other = await console.app.state.store.accounts.create("Other")
    ids = {
        "sms": await insert_message(pool, account, base, "SMS", "DELIVERED", cost=25),
        "wa": await insert_message(pool, account, base + timedelta(seconds=1), "WHATSAPP", "READ", cost=35),
        "failed": await insert_message(
            pool,
            account,
            now - timedelta(minutes=3),
            "RCS",
            "FAILED",
            error="CHANNEL_NOT_SUPPORTED_BY_RECIPIENT",
            recipient="+919000000903",
        ),
        "old": await insert_message(
            pool, account, earlier, "SMS", "UNDELIVERED", error="CARRIER_UNDELIVERABLE", cost=25, campaign=7
        ),
        "theirs": await insert_message(pool, other, base + timedelta(seconds=3), "SMS", "DELIVERED", cost=25),
    }
    return ids


async def test_reports_filter_and_paginate_the_accounts_own_messages(console, log) -> None:
    client = await console.user()
    page = (await client.get("/api/reports", params={"pageSize": 2})).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    assert page["items"][0]["messageId"] == log["failed"]
    assert page["items"][0]["errorCode"] == "CHANNEL_NOT_SUPPORTED_BY_RECIPIENT"
    only_sms = (await client.get("/api/reports", params={"channel": "SMS"})).json()
    assert {m["messageId"] for m in only_sms["items"]} == {log["sms"], log["old"]}
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    recent = (await client.get("/api/reports", params={"from": since, "status": "DELIVERED"})).json()
    assert [m["messageId"] for m in recent["items"]] == [log["sms"]]
    campaign = (await client.get("/api/reports", params={"campaignId": 7})).json()
    assert [m["messageId"] for m in campaign["items"]] == [log["old"]]


async def test_a_message_detail_has_its_attempts_and_history(console, log) -> None:
    client = await console.user()
    detail = (await client.get(f"/api/reports/{log['wa']}")).json()
    assert detail["message"]["status"] == "READ" and detail["message"]["costMinor"] == 35
    assert [a["channel"] for a in detail["attempts"]] == ["WHATSAPP"]
    assert [h["status"] for h in detail["history"]] == ["SUBMITTED", "READ"]


async def test_the_detail_shows_each_attempts_rendered_body_with_an_otp_masked(console, log) -> None:
    pool = console.app.state.store.pool
    templates = console.creds["templates"]
    for message, template, variables in (
        (log["wa"], templates["WHATSAPP"], '{"1": "Asha", "2": "A-7"}'),
        (log["sms"], templates["SMS"], '{"1": "482913", "2": "10"}'),
    ):
        await pool.execute(
            "UPDATE reporting.message_attempts SET template_id = $2, variables = $3::jsonb WHERE message_id = $1",
            message,
            template,
            variables,
        )
    client = await console.user()
    [wa] = (await client.get(f"/api/reports/{log['wa']}")).json()["attempts"]
    assert wa["body"] == "Hi Asha, your order A-7 has shipped and arrives tomorrow."
    [sms] = (await client.get(f"/api/reports/{log['sms']}")).json()["attempts"]
    assert sms["body"].startswith("Your OTP is ••••. It is valid for •••• minutes.")
    assert "482913" not in sms["body"]


async def test_a_user_cannot_read_another_accounts_message(console, log) -> None:
    client = await console.user()
    assert (await client.get(f"/api/reports/{log['theirs']}")).status_code == 404
    assert (await client.get("/api/reports/not-a-message-id")).status_code == 404
    listed = (await client.get("/api/reports", params={"pageSize": 100})).json()["items"]
    assert log["theirs"] not in {m["messageId"] for m in listed}


async def test_csv_export_holds_the_filtered_log(console, log) -> None:
    client = await console.user()
    response = await client.get("/api/reports/export.csv", params={"channel": "SMS"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["message_id"] for r in rows} == {log["sms"], log["old"]}
    old = next(r for r in rows if r["message_id"] == log["old"])
    assert old["status"] == "UNDELIVERED" and old["error_code"] == "CARRIER_UNDELIVERABLE" and old["campaign_id"] == "7"


async def test_dashboard_counts_today_and_all_time_from_the_log(console, log) -> None:
    admin = await console.admin()
    account = console.creds["accountId"]
    await admin.post(f"/api/admin/accounts/{account}/balance-adjustments", json={"amountMinor": 123456, "reason": "x"})
    client = await console.user()
    body = (await client.get("/api/dashboard")).json()
    assert body["messagesToday"] == 3
    assert body["successRate"] == pytest.approx(66.7)
    assert body["costTodayMinor"] == 60
    assert body["balanceMinor"] == 123456 and body["currency"] == "INR"
    channels = {c["channel"]: (c["today"], c["allTime"]) for c in body["channels"]}
    assert channels == {"SMS": (1, 2), "WHATSAPP": (1, 1), "RCS": (1, 1)}
    assert body["failures"] == [
        {"reason": "CARRIER_UNDELIVERABLE", "count": 1},
        {"reason": "CHANNEL_NOT_SUPPORTED_BY_RECIPIENT", "count": 1},
    ]
