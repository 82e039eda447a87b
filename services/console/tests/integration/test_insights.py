"""AI insights through the console (`POST /api/analytics/insights`) over the real path: a
tenant the admin creates through the console's admin API, its traffic published as submit
and status events to Kafka and written by the real reporting service (whose rollups the
console reads), and the real ai service (its own app over HTTP) answering. The insights
cite the tenant's own numbers (another account's traffic changes none of them); the ai
service down is 503 SERVICE_UNAVAILABLE."""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cpaas.ai.app import build_app as build_ai
from cpaas.ai.domain.insights import cited
from cpaas.ai.domain.insights.advice import advice
from cpaas.ai.settings import AiSettings
from cpaas.billing.app import build_app as build_billing
from cpaas.billing.settings import BillingSettings
from cpaas.console.app import build_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.analytics import Insight
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.reporting.app import build_app as build_reporting
from cpaas.reporting.settings import ReportingSettings

from .conftest import BILLING_URL, Console, refused_port, service_client
from .test_reports import REPORTING_MIGRATIONS

pytestmark = pytest.mark.integration
IST = ZoneInfo("Asia/Kolkata")
WAIT_SECONDS = 60
NOWHERE_PG = PostgresSettings(dsn="postgresql://nobody@127.0.0.1:1/none")
NOWHERE_KAFKA = KafkaSettings(bootstrap_servers="127.0.0.1:1")


@pytest.fixture(scope="module")
async def ai_url() -> AsyncIterator[str]:
    """The ai service's own app (no model configured: the builtin engine), on a free port."""
    app = build_ai(AiSettings(llm_base_url=None, llm_model=None, postgres=NOWHERE_PG, kafka=NOWHERE_KAFKA))
    async with serving(app, bind_socket()) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def platform(kafka_settings, pg_settings, tmp_path: Path, ai_url: str) -> AsyncIterator[Console]:
    """The console (seeded) with the real billing and ai services, and the reporting service
    consuming this test's topics into the same database."""
    creds = await seed(pg_settings, tmp_path / "creds.json")
    billing = build_billing(BillingSettings(kafka=kafka_settings, postgres=pg_settings))
    reporting = build_reporting(ReportingSettings(kafka=kafka_settings, postgres=pg_settings, shutdown_grace_seconds=5))
    async with billing.router.lifespan_context(billing), reporting.router.lifespan_context(reporting):
        http = service_client(billing=billing)
        settings = ConsoleSettings(
            kafka=kafka_settings,
            postgres=pg_settings,
            billing_url=BILLING_URL,
            gateway_url=f"http://127.0.0.1:{refused_port()}",
            ai_url=ai_url,
        )
        app = build_app(settings, http=http)
        async with app.router.lifespan_context(app):
            console = Console(app, creds, http, [])
            yield console
            for client in console.clients:
                await client.aclose()
        await http.aclose()


def _at(day: datetime, hour: int, minute: int, n: int) -> str:
    """A message id created at `hour:minute` IST on `day`, `n` seconds later."""
    created = day.replace(hour=hour, minute=minute, second=0, microsecond=0) + timedelta(seconds=n)
    return new_message_id(int(created.timestamp() * 1000))


def _events(account_id: int, message_id: str, channel: Channel, status: MessageStatus, **kw) -> list:
    campaign = kw.pop("campaign_id", None)
    submitted = MessageSubmittedV1(
        message_id=message_id, account_id=account_id, channel=channel, recipient="+919876543210", template_id=5,
        template_name="order_update", sender_id="INSGHT" if channel is Channel.SMS else None, attempt=1,
        fallback=[], campaign_id=campaign, submitted_at=datetime.now(UTC), variables={},
    )  # fmt: skip
    changed = MessageStatusChangedV1(
        message_id=message_id, account_id=account_id, channel=channel, attempt=1, status=status,
        recipient="+919876543210", occurred_at=datetime.now(UTC), **kw,
    )  # fmt: skip
    return [(SUBMIT_TOPICS[channel].name, submitted, message_id), (MSG_STATUS.name, changed, message_id)]


def traffic(account_id: int) -> list:
    """Two days ago (IST): SMS 100 at 11:00 (94 delivered, 6 undelivered) and 20 campaign messages
    at 22:30 (delivered, inside TRAI's quiet hours); WhatsApp 100 at 12:00 (70 read, 30 failed: no WhatsApp)."""
    day = (datetime.now(IST) - timedelta(days=2)).replace(tzinfo=IST)
    out = []
    for n in range(100):
        status, kw = (
            (MessageStatus.DELIVERED, {})
            if n < 94
            else (MessageStatus.UNDELIVERED, {"error_code": ErrorCode.CARRIER_UNDELIVERABLE})
        )
        out += _events(account_id, _at(day, 11, 0, n), Channel.SMS, status, **kw)
    for n in range(20):
        out += _events(account_id, _at(day, 22, 30, n), Channel.SMS, MessageStatus.DELIVERED, campaign_id=901)
    for n in range(100):
        failed = {"error_code": ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT, "carrier_error_code": "131026"}
        status, kw = (MessageStatus.READ, {}) if n < 70 else (MessageStatus.FAILED, failed)
        out += _events(account_id, _at(day, 12, 0, n), Channel.WHATSAPP, status, **kw)
    return out


async def publish(kafka_settings: KafkaSettings, records: list) -> None:
    broker = make_broker(kafka_settings, client_id="test-insights")
    await broker.start()
    try:
        await EventPublisher(broker, kafka_settings, source="test").publish_many(records)
    finally:
        await broker.stop()


async def wait_for_total(client, total: int) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        facts = (await client.get("/api/analytics/intelligence")).json()
        if (
            sum(c["total"] for c in facts["channels"]) == total
            and sum(c["delivered"] for c in facts["channels"]) == 184
        ):
            return facts
        assert time.monotonic() < deadline, facts["channels"]
        await asyncio.sleep(0.2)


def by_kind(body: dict, kind: str) -> list[dict]:
    return [i for i in body["insights"] if i["kind"] == kind]


async def test_a_tenant_with_traffic_gets_insights_citing_its_numbers(platform, kafka_settings) -> None:
    admin = await platform.admin()
    created = await admin.post("/api/admin/users", json={"username": "insights_ops", "accountName": "Insight Co"})
    assert created.status_code == 201, created.text
    tenant = created.json()
    client = await platform.login("insights_ops", tenant["password"])
    noise = []  # the demo account's traffic: none of the tenant's numbers may move
    for _ in range(50):
        noise += _events(platform.creds["accountId"], new_message_id(), Channel.RCS, MessageStatus.FAILED,
                         error_code=ErrorCode.CARRIER_REJECTED)  # fmt: skip
    await publish(kafka_settings, traffic(tenant["accountId"]) + noise)
    facts = await wait_for_total(client, 220)

    response = await client.post("/api/analytics/insights")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "builtin"
    assert all(cited(Insight.model_validate(i)) for i in body["insights"]), body
    [channel] = by_kind(body, "underperforming_channel")
    assert channel["facts"] == {
        "channel": "WHATSAPP", "channel_rate_pct": 70.0, "channel_messages": 100,
        "best_channel": "SMS", "best_rate_pct": 95.0, "gap_pp": 25.0,
    }  # fmt: skip
    assert "25.0 percentage points below SMS (95.0%)" in channel["text"]
    causes = by_kind(body, "failure_cause")
    assert [(c["facts"]["error_code"], c["facts"]["failed_messages"], c["facts"]["share_pct"]) for c in causes] == [
        ("CHANNEL_NOT_SUPPORTED_BY_RECIPIENT", 30, 83.3),  # the rollups keep the platform's code
        ("CARRIER_UNDELIVERABLE", 6, 16.7),
    ]
    assert advice("CHANNEL_NOT_SUPPORTED_BY_RECIPIENT") in causes[0]["text"]
    [quiet] = by_kind(body, "quiet_hours")
    assert quiet["severity"] == "warning"
    assert (quiet["facts"]["in_quiet_hours"], quiet["facts"]["campaign_messages"], quiet["facts"]["share_pct"]) == (
        20, 20, 100.0,
    )  # fmt: skip
    windows = {i["facts"].get("channel"): i["facts"] for i in by_kind(body, "best_window")}
    assert windows["SMS"]["channel_messages_7d"] == 120 and windows["WHATSAPP"]["channel_messages_7d"] == 100
    assert windows["WHATSAPP"]["window_messages"] == 100 and windows["WHATSAPP"]["window_share_pct"] == 100.0
    assert not by_kind(body, "volume")
    # the facts are the ones Campaign Intelligence shows for the account
    shown = {c["channel"]: c for c in facts["channels"]}
    assert shown["WHATSAPP"]["total"] == channel["facts"]["channel_messages"] and "RCS" not in shown
    # the demo account's own insights are about its own traffic
    demo = await platform.user()
    theirs = (await demo.post("/api/analytics/insights")).json()
    assert [c["facts"]["error_code"] for c in by_kind(theirs, "failure_cause")] == ["CARRIER_REJECTED"]
    assert (await platform.client().post("/api/analytics/insights")).status_code == 401


async def test_the_ai_service_down_is_503_service_unavailable(console) -> None:
    await apply_migrations(console.app.state.store.pool, "reporting", REPORTING_MIGRATIONS)
    client = await console.user()
    response = await client.post("/api/analytics/insights")  # this console's ai_url: nothing listens
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE" and "AI service is unavailable" in error["message"]
