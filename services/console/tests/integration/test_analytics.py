"""Report Summary and Campaign Intelligence (`/api/analytics/*`) over log rows written into
the reporting tables, whose triggers keep the rollups (reporting's migration 0008) that the
endpoints read: totals, buckets, CSV, the account's own rows only, refusals of a bad
range, the totals equal to what Reports lists for the same range and filter, and the
campaigns table from the real campaigns service with the rollups' deliveries."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.migrations import apply_migrations

from .test_campaigns import bulk, create, form, until  # noqa: F401 - the fixture, shared
from .test_reports import REPORTING_MIGRATIONS

RANK = {"SUBMITTED": 1, "SUBMITTED_OPERATOR": 2, "DELIVERED": 3, "READ": 4, "FAILED": 3, "UNDELIVERED": 3}


async def put(pool, account_id: int, at: datetime, channel: str, status: str, error=None, sender="MYBRAND") -> str:
    """One message row in the log (the rollups follow by trigger, applied by flush)."""
    created = datetime.fromtimestamp(int(at.timestamp() * 1000) / 1000, UTC)
    message_id = new_message_id(int(at.timestamp() * 1000))
    await pool.execute(
        "INSERT INTO reporting.messages (message_id, created_at, account_id, recipient, channel, primary_channel,"
        " status, status_rank, error_code, sender_id) VALUES ($1, $2, $3, '+919876543210', $4, $4, $5, $6, $7, $8)",
        message_id,
        created,
        account_id,
        channel,
        status,
        RANK[status],
        error,
        sender,
    )
    return message_id


async def flush(pool) -> None:
    await pool.execute("SELECT reporting.flush_rollups(true)")


@pytest.fixture
async def traffic(console) -> dict:
    """The demo account: 6 messages over the last hours, one 3 days ago, one 40 days ago; another account's 2."""
    pool = console.app.state.store.pool
    await apply_migrations(pool, "reporting", REPORTING_MIGRATIONS)
    now = datetime.now(UTC)
    days = {(now - timedelta(days=d)).date() for d in range(0, 41)}
    await pool.execute("SELECT reporting.ensure_day_partitions($1::date[])", sorted(days))
    account = console.creds["accountId"]
    other = await console.app.state.store.accounts.create("Other")
    recent = now - timedelta(hours=2)
    for n, (channel, status, error) in enumerate(
        [
            ("SMS", "DELIVERED", None),
            ("SMS", "DELIVERED", None),
            ("SMS", "UNDELIVERED", "CARRIER_UNDELIVERABLE"),
            ("WHATSAPP", "READ", None),
            ("WHATSAPP", "FAILED", "CHANNEL_NOT_SUPPORTED_BY_RECIPIENT"),
            ("RCS", "SUBMITTED", None),
        ]
    ):
        await put(pool, account, recent + timedelta(seconds=n), channel, status, error)
    await put(pool, account, now - timedelta(days=3), "SMS", "DELIVERED")
    await put(pool, account, now - timedelta(days=40), "SMS", "FAILED", "CARRIER_REJECTED")
    await put(pool, other, recent, "SMS", "DELIVERED")
    await put(pool, other, recent, "VOICE", "FAILED", "CARRIER_REJECTED")
    await flush(pool)
    return {"account": account, "other": other}


async def test_summary_counts_the_accounts_messages_by_range_bucket_and_channel(console, traffic) -> None:
    client = await console.user()
    day = (await client.get("/api/analytics/summary", params={"range": "24h"})).json()
    assert day["bucket"] == "hour" and day["account_id"] == traffic["account"]
    assert day["totals"] == {"total": 6, "delivered": 3, "failed": 2, "pending": 1, "rate": 0.5}
    assert day["statuses"] == {
        "SUBMITTED": 1, "SUBMITTED_OPERATOR": 0, "DELIVERED": 2, "READ": 1, "RETRYING": 0, "FAILED": 1, "UNDELIVERED": 1,
    }  # fmt: skip
    assert 24 <= len(day["buckets"]) <= 25 and sum(b["total"] for b in day["buckets"]) == 6
    assert [b for b in day["buckets"] if b["total"]][0]["delivered"] == 3
    assert {c["channel"]: c["total"] for c in day["channels"]} == {"SMS": 3, "WHATSAPP": 2, "RCS": 1}

    week = (await client.get("/api/analytics/summary", params={"range": "7d"})).json()
    assert week["bucket"] == "day" and week["totals"]["total"] == 7 and len(week["buckets"]) in (7, 8)
    quarter = (await client.get("/api/analytics/summary", params={"range": "90d"})).json()
    assert quarter["bucket"] == "week" and quarter["totals"]["total"] == 8
    assert quarter["statuses"]["FAILED"] == 2  # the other account's FAILED VOICE is not here
    sms = (await client.get("/api/analytics/summary", params={"range": "7d", "channel": "SMS"})).json()
    assert (
        sms["channel"] == "SMS" and sms["totals"]["total"] == 4 and [c["channel"] for c in sms["channels"]] == ["SMS"]
    )
    hourly = (await client.get("/api/analytics/summary", params={"range": "7d", "bucket": "hour"})).json()
    assert hourly["bucket"] == "hour" and len(hourly["buckets"]) in (168, 169)


async def test_summary_totals_equal_what_reports_lists_for_the_same_range_and_filter(console, traffic) -> None:
    client = await console.user()
    for params in ({"range": "24h"}, {"range": "7d", "channel": "SMS"}, {"range": "90d"}, {"range": "30d"}):
        summary = (await client.get("/api/analytics/summary", params=params)).json()
        listed = {"from": summary["range_from"], "to": summary["range_to"], "pageSize": 1}
        if "channel" in params:
            listed["channel"] = params["channel"]
        reports = (await client.get("/api/reports", params=listed)).json()
        assert reports["total"] == summary["totals"]["total"], params
        delivered = (await client.get("/api/reports", params={**listed, "status": "DELIVERED"})).json()
        assert delivered["total"] == summary["statuses"]["DELIVERED"], params


async def test_a_custom_range_in_the_accounts_zone_and_the_csv(console, traffic) -> None:
    client = await console.user()
    now = datetime.now(UTC)
    since = (now - timedelta(days=4)).replace(tzinfo=None, microsecond=0).isoformat()  # no offset: the account's zone
    until = (now + timedelta(hours=1)).isoformat()
    summary = await client.get("/api/analytics/summary", params={"range": "custom", "from": since, "to": until})
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["bucket"] == "day" and body["totals"]["total"] == 7
    exported = await client.get("/api/analytics/summary.csv", params={"range": "custom", "from": since, "to": until})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["start", "total", "delivered", "failed", "pending", "success_rate"]
    assert len(rows) == 1 + len(body["buckets"])
    assert sum(int(r[1]) for r in rows[1:]) == 7 and sum(int(r[2]) for r in rows[1:]) == 4
    assert [r[0] for r in rows[1:]] == [datetime.fromisoformat(b["start"]).isoformat() for b in body["buckets"]]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"range": "custom"}, "from"),
        ({"range": "custom", "from": "2026-01-02T00:00:00Z"}, "to"),
        ({"range": "custom", "from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
        ({"range": "custom", "from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
        ({"range": "7d", "from": "2026-01-01T00:00:00Z"}, "from"),
        ({"range": "365d"}, "range"),
        ({"range": "custom", "from": "yesterday", "to": "2026-01-01T00:00:00Z"}, "from"),
        ({"range": "custom", "from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "bucket": "hour"}, "bucket"),
        ({"bucket": "month"}, "bucket"),
        ({"channel": "FAX"}, "channel"),
    ],
)
async def test_a_bad_range_is_refused_with_a_code_and_the_field(console, traffic, params, field) -> None:
    client = await console.user()
    for path in ("/api/analytics/summary", "/api/analytics/summary.csv"):
        response = await client.get(path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["field"] == field and error["message"], error


async def test_analytics_needs_a_session(console, traffic) -> None:
    anonymous = console.client()
    for path in ("/api/analytics/summary", "/api/analytics/intelligence", "/api/analytics/campaigns"):
        assert (await anonymous.get(path)).status_code == 401


async def test_intelligence_has_the_cards_charts_and_heatmap_of_the_account(console, traffic) -> None:
    client = await console.user()
    facts = (await client.get("/api/analytics/intelligence")).json()
    assert facts["account_id"] == traffic["account"] and facts["window_days"] == 30 and facts["min_volume"] == 100
    assert facts["total_messages"] == 8  # all time: the one 40 days ago too
    assert facts["avg_delivery_rate"] == pytest.approx(4 / 8)
    assert {c["channel"]: (c["total"], c["delivered"]) for c in facts["channels"]} == {
        "SMS": (4, 3), "WHATSAPP": (2, 1), "RCS": (1, 0),
    }  # fmt: skip
    assert facts["best_channel"] is None and facts["best_hour"] is None  # no channel has 100 messages
    assert not any(c["enough_volume"] for c in facts["channels"])
    assert [h["hour"] for h in facts["hours_last_7_days"]] == list(range(24))
    assert sum(h["total"] for h in facts["hours_last_7_days"]) == 7
    assert len(facts["heatmap"]) == 168 and sum(c["total"] for c in facts["heatmap"]) == 7
    assert {(f["error_code"], f["count"]) for f in facts["failure_causes"]} == {
        ("CARRIER_UNDELIVERABLE", 1), ("CHANNEL_NOT_SUPPORTED_BY_RECIPIENT", 1),
    }  # fmt: skip
    assert sum(f["share"] for f in facts["failure_causes"]) == pytest.approx(1.0)
    assert [(s["sender_id"], s["total"]) for s in facts["senders"]] == [("MYBRAND", 4), ("MYBRAND", 2), ("MYBRAND", 1)]
    assert facts["quiet_hours"] == {"campaign_messages": 0, "in_quiet_hours": 0, "share": None}


async def test_the_campaigns_table_has_the_services_counts_and_the_rollups_deliveries(bulk) -> None:  # noqa: F811
    user = await bulk.user()
    created = await create(user, form(bulk.creds, "analytics_table_campaign"))
    assert created.status_code == 201, created.text
    campaign = created.json()
    pool = bulk.app.state.store.pool

    async def logged() -> int | None:
        n = await pool.fetchval("SELECT count(*) FROM reporting.messages WHERE campaign_id = $1", campaign["id"])
        return n if n == 4 else None

    await until(logged, "the campaign's 4 messages were not logged")
    # two of them delivered: their status events through Kafka to the real reporting service
    rows = await pool.fetch(
        "SELECT message_id, recipient FROM reporting.messages WHERE campaign_id = $1 ORDER BY message_id LIMIT 2",
        campaign["id"],
    )
    await bulk.app.state.publisher.publish_many(
        (
            MSG_STATUS.name,
            MessageStatusChangedV1(
                message_id=r["message_id"],
                account_id=bulk.creds["accountId"],
                channel=Channel.SMS,
                status=MessageStatus.DELIVERED,
                recipient=r["recipient"],
                occurred_at=datetime.now(UTC),
            ),
            r["message_id"],
        )
        for r in rows
    )

    async def listed() -> dict | None:
        page = (await user.get("/api/analytics/campaigns", params={"search": "analytics_table"})).json()
        done = page["items"] and page["items"][0]["status"] == "COMPLETED" and page["items"][0]["delivered"] == 2
        return page if done else None

    page = await until(listed, "the campaign did not complete with 2 delivered")
    assert page["total"] == 1 and page["page"] == 1
    row = page["items"][0]
    assert (row["campaign_id"], row["name"]) == (campaign["id"], "analytics_table_campaign")
    assert (row["total"], row["processed"], row["delivered"]) == (7, 7, 2)
    assert row["delivery_rate"] == pytest.approx(2 / 4)
    none = (await user.get("/api/analytics/campaigns", params={"search": "no_such_campaign"})).json()
    assert none["items"] == [] and none["total"] == 0
    bad = await user.get("/api/analytics/campaigns", params={"page": 0})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
