"""`/api/v1/analytics/*` with the API key over log rows written into reporting's tables
(its migrations applied; the rollups follow by trigger): the caller's account only, in its
time zone, the totals equal to `/api/v1/messages/reports` for the answer's range, bad
ranges refused with a code and the field, and the OpenAPI document carrying the routes."""

import csv
import io
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from cpaas.contracts.ids import new_message_id

RANK = {"SUBMITTED": 1, "DELIVERED": 3, "READ": 4, "FAILED": 3, "UNDELIVERED": 3}


@pytest.fixture
async def traffic(reporting, gateway, pg_settings) -> dict:
    conn = await asyncpg.connect(pg_settings.dsn)
    now = datetime.now(UTC)
    try:
        days = sorted({(now - timedelta(days=d)).date() for d in range(0, 6)})
        await conn.execute("SELECT reporting.ensure_day_partitions($1::date[])", days)
        mine, other = gateway.creds["accountId"], gateway.creds["accountId"] + 1000
        rows = [
            (mine, now - timedelta(hours=1), "SMS", "DELIVERED", None),
            (mine, now - timedelta(hours=1, seconds=1), "SMS", "UNDELIVERED", "CARRIER_UNDELIVERABLE"),
            (mine, now - timedelta(hours=3), "WHATSAPP", "READ", None),
            (mine, now - timedelta(days=4), "RCS", "SUBMITTED", None),
            (other, now - timedelta(hours=1), "SMS", "FAILED", "CARRIER_REJECTED"),
            (other, now - timedelta(hours=1), "VOICE", "DELIVERED", None),
        ]
        for account, at, channel, status, error in rows:
            ms = int(at.timestamp() * 1000)
            await conn.execute(
                "INSERT INTO reporting.messages (message_id, created_at, account_id, recipient, channel,"
                " primary_channel, status, status_rank, error_code, sender_id)"
                " VALUES ($1, $2, $3, '+919876543210', $4, $4, $5, $6, $7, 'MYBRAND')",
                new_message_id(ms),
                datetime.fromtimestamp(ms / 1000, UTC),
                account,
                channel,
                status,
                RANK[status],
                error,
            )
        await conn.execute("SELECT reporting.flush_rollups(true)")
    finally:
        await conn.close()
    return {"mine": mine, "other": other}


async def test_summary_is_the_callers_account_and_equals_the_reports_total(gateway, traffic) -> None:
    response = await gateway.client.get("/api/v1/analytics/summary", params={"range": "24h"}, headers=gateway.headers())
    assert response.status_code == 200, response.text
    day = response.json()
    assert day["account_id"] == traffic["mine"] and day["bucket"] == "hour"
    assert day["totals"] == {"total": 3, "delivered": 2, "failed": 1, "pending": 0, "rate": pytest.approx(2 / 3)}
    assert {c["channel"] for c in day["channels"]} == {"SMS", "WHATSAPP"}
    week = (await gateway.client.get("/api/v1/analytics/summary", headers=gateway.headers())).json()
    assert week["bucket"] == "day" and week["totals"]["total"] == 4 and week["statuses"]["SUBMITTED"] == 1
    for params in ({"range": "24h"}, {"range": "7d", "channel": "SMS"}):
        summary = await gateway.client.get("/api/v1/analytics/summary", params=params, headers=gateway.headers())
        body = summary.json()
        listed = {
            "from": body["range_from"],
            "to": body["range_to"],
            **({"channel": "SMS"} if "channel" in params else {}),
        }
        reports = await gateway.client.get("/api/v1/messages/reports", params=listed, headers=gateway.headers())
        assert reports.json()["total"] == body["totals"]["total"], params
    exported = await gateway.client.get(
        "/api/v1/analytics/summary.csv", params={"range": "24h"}, headers=gateway.headers()
    )
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0] == ["start", "total", "delivered", "failed", "pending", "success_rate"]
    assert sum(int(line[1]) for line in lines[1:]) == 3 and len(lines) == 1 + len(day["buckets"])


async def test_intelligence_is_the_callers_account(gateway, traffic) -> None:
    response = await gateway.client.get("/api/v1/analytics/intelligence", headers=gateway.headers())
    assert response.status_code == 200, response.text
    facts = response.json()
    assert facts["account_id"] == traffic["mine"] and facts["total_messages"] == 4
    assert {c["channel"] for c in facts["channels"]} == {"SMS", "WHATSAPP", "RCS"}  # not the other's VOICE
    assert [(f["error_code"], f["count"], f["share"]) for f in facts["failure_causes"]] == [
        ("CARRIER_UNDELIVERABLE", 1, 1.0)
    ]
    assert len(facts["heatmap"]) == 168 and len(facts["hours_last_7_days"]) == 24


@pytest.mark.parametrize(
    "params,field",
    [
        ({"range": "custom"}, "from"),
        ({"range": "custom", "from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "from"),
        ({"range": "1y"}, "range"),
        ({"range": "7d", "to": "2026-03-01T00:00:00Z"}, "to"),
        ({"bucket": "minute"}, "bucket"),
        ({"channel": "PIGEON"}, "channel"),
    ],
)
async def test_bad_input_is_refused_with_a_code_and_the_field(gateway, traffic, params, field) -> None:
    for path in ("/api/v1/analytics/summary", "/api/v1/analytics/summary.csv"):
        response = await gateway.client.get(path, params=params, headers=gateway.headers())
        gateway.assert_error(response, 422, "VALIDATION_ERROR", field)


async def test_analytics_needs_the_api_key_and_is_documented(gateway, traffic) -> None:
    for path in ("summary", "summary.csv", "intelligence", "campaigns"):
        response = await gateway.client.get(f"/api/v1/analytics/{path}", headers={"X-API-Key": "cpk_wrong"})
        assert response.status_code == 401, (path, response.text)
    spec = (await gateway.client.get("/openapi.json")).json()
    for path in ("summary", "summary.csv", "intelligence", "campaigns"):
        assert f"/api/v1/analytics/{path}" in spec["paths"]


async def test_the_campaigns_table_says_so_when_the_campaigns_service_is_away(gateway, traffic) -> None:
    response = await gateway.client.get("/api/v1/analytics/campaigns", headers=gateway.headers())
    gateway.assert_error(response, 503, "SERVICE_UNAVAILABLE")
