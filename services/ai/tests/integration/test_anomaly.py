"""Traffic Anomaly and Spam Detection through the real path: events published on the real
Kafka (msg.submit.sms, msg.status), counted by the ai service's subscriber into its schema on
the real PostgreSQL, the detectors run by POST .../anomalies/detect over HTTP, alerts read,
acknowledged, and published on ai.alert."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from cpaas.ai.app import build_app
from cpaas.ai.settings import AiSettings
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import AI_ALERT, MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.serve import bind_socket, serving

TOKEN = "test-service-token-0123456789"
WAIT_SECONDS = 30
ACCOUNT, OTHER = 41, 42


@pytest.fixture
async def ai(kafka_settings, pg_settings) -> AsyncIterator[httpx.AsyncClient]:
    settings = AiSettings(
        kafka=kafka_settings, postgres=pg_settings, service_token=TOKEN, batch_timeout_ms=5, shutdown_grace_seconds=5
    )
    app = build_app(settings, detect_every_seconds=3600)
    async with (
        serving(app, bind_socket()) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"X-Service-Token": TOKEN}, timeout=30) as c,
    ):
        await until(lambda: _ready(c), "the ai service ready")
        yield c


@pytest.fixture
async def publisher(kafka_settings) -> AsyncIterator[EventPublisher]:
    broker = make_broker(kafka_settings, client_id="test-publisher")
    await broker.start()
    try:
        yield EventPublisher(broker, kafka_settings, source="test")
    finally:
        await broker.stop()


@pytest.fixture
async def db(pg_settings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_settings.dsn, server_settings={"search_path": "ai,public"})
    try:
        yield conn
    finally:
        await conn.close()


async def _true(value: bool) -> bool:
    return value


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def until(check, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def submit(recipient: str, *, account: int = ACCOUNT, sender: str = "MYBRAND", otp: bool = False, **kw):
    return MessageSubmittedV1(
        message_id=kw.pop("message_id", None) or new_message_id(),
        account_id=account,
        channel=Channel.SMS,
        recipient=recipient,
        template_id=7 if otp else 8,
        template_name="login_otp" if otp else "order_update",
        sender_id=sender,
        variables={"otp": uuid.uuid4().hex[:6]} if otp else {"order": uuid.uuid4().hex[:8]},
        submitted_at=kw.pop("submitted_at", None) or datetime.now(UTC),
        **kw,
    )


def status(event: MessageSubmittedV1, value: MessageStatus, **kw) -> MessageStatusChangedV1:
    return MessageStatusChangedV1(
        message_id=event.message_id,
        account_id=event.account_id,
        channel=Channel.SMS,
        status=value,
        recipient=event.recipient,
        occurred_at=datetime.now(UTC),
        sender_id=event.sender_id,
        template_id=event.template_id,
        **kw,
    )


async def publish(publisher: EventPublisher, *events) -> None:
    await publisher.publish_many(
        (SUBMIT_TOPICS[Channel.SMS].name if isinstance(e, MessageSubmittedV1) else MSG_STATUS.name, e, e.message_id)
        for e in events
    )


async def counted(db: asyncpg.Connection, expected: int) -> bool:
    return await db.fetchval("SELECT count(*) FROM counted") >= expected


async def test_each_fact_counts_once_whatever_is_redelivered(ai, publisher, db):
    a, b = submit("+919876500001"), submit("+919876500002")
    events = [
        a,
        b,
        a,  # redelivered submit
        status(a, MessageStatus.DELIVERED),
        status(a, MessageStatus.READ),  # adds nothing
        status(b, MessageStatus.UNDELIVERED, error_code=ErrorCode.CARRIER_UNDELIVERABLE),
        status(b, MessageStatus.FAILED, error_code=ErrorCode.CARRIER_UNDELIVERABLE),  # the same failure
        status(a, MessageStatus.DELIVERED),  # a second delivery event of the same attempt
    ]
    await publish(publisher, *events)
    await until(lambda: counted(db, 4), "4 facts counted")
    await asyncio.sleep(0.3)  # the rest of the batch, if it were to count twice
    row = await db.fetchrow(
        "SELECT sum(submitted) s, sum(delivered) d, sum(failed) f FROM traffic_minute WHERE account_id = $1", ACCOUNT
    )
    assert (row["s"], row["d"], row["f"]) == (2, 1, 1)
    hour = await db.fetchrow("SELECT submitted, delivered, failed FROM sender_hour WHERE account_id = $1", ACCOUNT)
    assert tuple(hour) == (2, 1, 1)
    assert await db.fetchval("SELECT count(*) FROM destinations WHERE account_id = $1", ACCOUNT) == 1
    assert await db.fetchval("SELECT prefix FROM traffic_minute LIMIT 1") == "+91987650"


async def test_otp_flood_is_found_by_run_detection_now_acknowledged_and_published(ai, publisher, db, kafka_settings):
    number = "+919812300077"
    floods = [submit(number, otp=True) for _ in range(8)]
    await publish(publisher, *floods, submit("+919812311111", account=OTHER, otp=True))
    await until(lambda: counted(db, 9), "the OTPs counted")

    found = (await ai.post(f"/internal/v1/accounts/{ACCOUNT}/anomalies/detect")).json()
    flood = [a for a in found["found"] if a["type"] == "OTP_FLOOD"]
    assert len(flood) == 1 and flood[0]["subject"] == number and flood[0]["subjectType"] == "NUMBER"
    assert flood[0]["evidence"]["otpMessages"] == 8 and flood[0]["status"] == "ACTIVE"
    assert 0 <= flood[0]["severity"] <= 100 and found["anomalies"] >= 1

    page = (await ai.get(f"/internal/v1/accounts/{ACCOUNT}/anomalies")).json()
    assert page["total"] >= 1 and page["summary"]["active"] >= 1 and page["summary"]["anomalies1h"] >= 1
    assert page["summary"]["riskScore"] == max(a["severity"] for a in page["items"])
    assert page["summary"]["riskLevel"] in ("MEDIUM", "HIGH")
    assert 0.0 <= page["summary"]["fraudProbability"] <= 1.0
    before = page["summary"]["active"]

    # the condition persists: a second run updates the same alert, raises none
    await publish(publisher, submit(number, otp=True))
    await until(lambda: counted(db, 10), "one more OTP")
    again = (await ai.post(f"/internal/v1/accounts/{ACCOUNT}/anomalies/detect")).json()
    same = [a for a in again["found"] if a["type"] == "OTP_FLOOD"]
    assert [a["id"] for a in same] == [flood[0]["id"]] and same[0]["evidence"]["otpMessages"] == 9
    assert (await ai.get(f"/internal/v1/accounts/{ACCOUNT}/anomalies")).json()["total"] == page["total"]

    ack = await ai.post(f"/internal/v1/accounts/{ACCOUNT}/anomalies/{flood[0]['id']}/acknowledge")
    assert ack.status_code == 200 and ack.json()["status"] == "ACKNOWLEDGED"
    after = (await ai.get(f"/internal/v1/accounts/{ACCOUNT}/anomalies", params={"status": "ACKNOWLEDGED"})).json()
    assert after["summary"]["active"] == before - 1 and [a["id"] for a in after["items"]] == [flood[0]["id"]]

    # per-account isolation: the other account sees none of it, and cannot acknowledge it
    other = (await ai.get(f"/internal/v1/accounts/{OTHER}/anomalies")).json()
    assert other["total"] == 0
    refused = await ai.post(f"/internal/v1/accounts/{OTHER}/anomalies/{flood[0]['id']}/acknowledge")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND"

    # raised, then updated: two events of the one alert (the range's 9 messages are an alert of their own)
    raised = {a["id"] for a in found["found"]}
    events = await read_alerts(
        kafka_settings, lambda got: sum(e["data"]["alertId"] == flood[0]["id"] for e in got) >= 2
    )
    assert {e["data"]["alertId"] for e in events} == raised
    mine = [e for e in events if e["data"]["alertId"] == flood[0]["id"]]
    assert all(e["type"] == "cpaas.ai.alert.v1" and e["subject"] == str(ACCOUNT) for e in mine)
    assert [e["data"]["evidence"]["otpMessages"] for e in mine] == [8, 9]


async def read_alerts(kafka_settings, enough) -> list[dict]:
    consumer = AIOKafkaConsumer(
        kafka_settings.topic(AI_ALERT.name),
        bootstrap_servers=kafka_settings.bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=f"test-{uuid.uuid4().hex[:6]}",
    )
    await consumer.start()
    try:
        out: list[dict] = []
        deadline = time.monotonic() + WAIT_SECONDS
        while not enough(out) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            out += [json.loads(r.value) for records in batch.values() for r in records]
        return out
    finally:
        await consumer.stop()


async def test_a_sender_whose_messages_mostly_fail_is_in_spam_detection(ai, publisher, db):
    events = []
    for i in range(40):
        sent = submit(f"+91981230{i:04d}", sender="BADSND")
        failed = i % 4 != 0
        outcome = MessageStatus.UNDELIVERED if failed else MessageStatus.DELIVERED
        events += [sent, status(sent, outcome, error_code=ErrorCode.CARRIER_UNDELIVERABLE if failed else None)]
    await publish(publisher, *events)
    await until(lambda: counted(db, 80), "the sender's messages counted")

    found = (await ai.post(f"/internal/v1/accounts/{ACCOUNT}/anomalies/detect")).json()
    spam = [a for a in found["found"] if a["type"] == "SPAM_FAILURE_RATE"]
    assert len(spam) == 1 and spam[0]["subject"] == "BADSND" and spam[0]["kind"] == "SPAM"
    assert spam[0]["evidence"]["failureRate"] == 0.75
    assert found["spamAlerts"] >= 1

    page = (await ai.get(f"/internal/v1/accounts/{ACCOUNT}/spam/alerts")).json()
    assert page["senders"] == [
        {"senderId": "BADSND", "messages": 40, "delivered": 10, "failed": 30, "deliveryRate": 0.25, "failureRate": 0.75}
    ]
    assert page["summary"]["activeSenders24h"] == 1 and page["summary"]["alerts24h"] >= 1
    assert any(a["type"] == "SPAM_FAILURE_RATE" for a in page["items"])
    assert all(a["kind"] == "SPAM" for a in page["items"])
    anomalies = (await ai.get(f"/internal/v1/accounts/{ACCOUNT}/anomalies")).json()["items"]
    assert all(a["kind"] == "ANOMALY" for a in anomalies)


async def test_the_internal_routes_need_the_service_token_and_valid_paging(ai):
    refused = await ai.get(f"/internal/v1/accounts/{ACCOUNT}/anomalies", headers={"X-Service-Token": "wrong"})
    assert refused.status_code == 401 and refused.json()["error"]["field"] == "X-Service-Token"
    too_big = await ai.get(f"/internal/v1/accounts/{ACCOUNT}/spam/alerts", params={"pageSize": 10_000})
    assert too_big.status_code == 422 and too_big.json()["error"] | {"message": ""} == {
        "code": "VALIDATION_ERROR",
        "message": "",
        "field": "pageSize",
    }
    bad_status = await ai.get(f"/internal/v1/accounts/{ACCOUNT}/anomalies", params={"status": "OPEN"})
    assert 400 <= bad_status.status_code < 500 and "error" in bad_status.json()
    empty = (await ai.post(f"/internal/v1/accounts/{OTHER}/anomalies/detect")).json()
    assert empty["found"] == [] and empty["fraudProbability"] == 0.0


async def test_detection_runs_on_its_own_schedule_and_publishes(kafka_settings, pg_settings, publisher, db):
    """The periodic run (every second here, every minute by default) over the minutes up to now."""
    settings = AiSettings(kafka=kafka_settings, postgres=pg_settings, service_token=TOKEN, batch_timeout_ms=5)
    app = build_app(settings, detect_every_seconds=1)
    number = "+919812300099"
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    async with app.router.lifespan_context(app):
        await until(lambda: _true(app.state.detection is not None), "the anomaly part started")
        await publish(publisher, *[submit(number, otp=True, submitted_at=a_minute_ago) for _ in range(4)])
        row = await until(
            lambda: db.fetchrow("SELECT * FROM alerts WHERE alert_type = 'OTP_FLOOD' AND subject = $1", number),
            "the scheduled run's alert",
        )
        assert row["account_id"] == ACCOUNT and row["status"] == "ACTIVE"
        score = await until(lambda: db.fetchrow("SELECT * FROM fraud_scores WHERE account_id = $1", ACCOUNT), "a score")
        assert 0.0 <= score["probability"] <= 1.0
    events = await read_alerts(kafka_settings, lambda got: any(e["data"]["subject"] == number for e in got))
    assert any(e["data"]["alertType"] == "OTP_FLOOD" for e in events)


async def test_a_pumping_attack_holds_its_number_range_until_an_admin_releases_it(ai, publisher, db):
    normal = [submit(f"+9198{i:03d}{i:05d}") for i in range(30)]  # thirty ranges, one message each
    pumped = [submit(f"+91987650{i:04d}") for i in range(120)]  # one range: +91987650xxxx
    await publish(publisher, *normal, *pumped)
    await until(lambda: counted(db, 150), "the traffic counted")

    found = (await ai.post(f"/internal/v1/accounts/{ACCOUNT}/anomalies/detect")).json()
    assert any(a["type"] == "NUMBER_RANGE_CONCENTRATION" and a["subject"] == "+91987650" for a in found["found"])
    assert found["fraudProbability"] >= 0.9, found["fraudReasons"]
    [hold] = found["holdsPlaced"]
    assert (hold["subjectType"], hold["subject"], hold["status"]) == ("PREFIX", "+91987650", "ACTIVE")
    assert hold["evidence"]["submitted"] == 120 and hold["reasons"] and hold["alertId"] is not None

    again = (await ai.post(f"/internal/v1/accounts/{ACCOUNT}/anomalies/detect")).json()
    assert again["holdsPlaced"] == []  # the condition persists: still one hold, not a second
    mine = (await ai.get(f"/internal/v1/accounts/{ACCOUNT}/fraud-holds")).json()
    assert [h["id"] for h in mine["items"]] == [hold["id"]] and mine["total"] == 1
    assert (await ai.get(f"/internal/v1/accounts/{OTHER}/fraud-holds")).json()["total"] == 0

    released = await ai.post(f"/internal/v1/fraud-holds/{hold['id']}/release", json={"releasedBy": "admin"})
    assert released.status_code == 200 and released.json()["status"] == "RELEASED"
    assert released.json()["releasedBy"] == "admin"
    after = (await ai.post(f"/internal/v1/accounts/{ACCOUNT}/anomalies/detect")).json()
    assert after["holdsPlaced"] == []  # released: not held again within the grace
    active = (await ai.get("/internal/v1/fraud-holds", params={"status": "ACTIVE"})).json()
    assert active["total"] == 0
    missing = await ai.post("/internal/v1/fraud-holds/999999/release", json={"releasedBy": "admin"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    bad = await ai.post(f"/internal/v1/fraud-holds/{hold['id']}/release", json={})
    assert bad.status_code == 422


async def test_a_sender_sending_a_template_the_compliance_check_rated_high_risk_is_spam(ai, publisher, db, pg_settings):
    from pathlib import Path

    import cpaas.console
    from cpaas.platform.db import create_pool
    from cpaas.platform.migrations import apply_migrations

    pool = await create_pool(pg_settings, schema="console", application_name="test")
    try:  # the console's own schema in this database, and a template as the console stores its verdict
        await apply_migrations(pool, "console", Path(cpaas.console.__file__).parent / "migrations")
        account = await pool.fetchval("INSERT INTO console.accounts (name) VALUES ('Promo Co') RETURNING id")
        template = await pool.fetchval(
            "INSERT INTO console.templates (account_id, name, channel, status, body, compliance)"
            " VALUES ($1, 'win_now', 'SMS', 'APPROVED', 'WIN cash now {#var#}', $2::jsonb) RETURNING id",
            account,
            json.dumps({"riskScore": 88, "riskLevel": "HIGH", "warnings": []}),
        )
    finally:
        await pool.close()
    events = [submit(f"+91981{i:03d}{i:04d}", account=account, sender="PROMO") for i in range(25)]
    events = [e.model_copy(update={"template_id": template}) for e in events]
    await publish(publisher, *events)
    await until(lambda: counted(db, 25), "the sender's messages counted")

    found = (await ai.post(f"/internal/v1/accounts/{account}/anomalies/detect")).json()
    [alert] = [a for a in found["found"] if a["type"] == "SPAM_HIGH_RISK_CONTENT"]
    assert alert["subject"] == "PROMO" and alert["kind"] == "SPAM"
    assert alert["evidence"] == {"messages": 25, "templates": [template], "riskScore": 88, "minutes": 60}
