"""The message log fed through the real Kafka into the real PostgreSQL: submits and
statuses in any order, duplicates, fallback attempts, poison records, day partitions."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from aiokafka import AIOKafkaConsumer
from prometheus_client import REGISTRY

from cpaas.contracts import Channel, FallbackLevel, MessageStatus, envelope, new_message_id
from cpaas.contracts.ids import message_id_time_ms
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import CLOUDEVENTS_CONTENT_TYPE
from cpaas.platform.settings import KafkaSettings
from cpaas.reporting.app import build_app
from cpaas.reporting.maintenance import maintain_partitions

S = MessageStatus
HEADERS = {"content-type": CLOUDEVENTS_CONTENT_TYPE}
# after every message's creation: times before it are shown as its creation (migration 0007)
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def read_dlq(kafka: KafkaSettings, topic: str, count: int) -> list:
    consumer = AIOKafkaConsumer(
        kafka.topic(topic), bootstrap_servers=kafka.bootstrap_servers, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list = []
    try:
        async with asyncio.timeout(30):
            while len(records) < count:
                for partition_records in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def test_delivered_message_shows_sent_and_delivered_times(harness, submitted, status) -> None:
    message_id = new_message_id()
    async with harness.service():
        await harness.publish(
            submitted(message_id, campaign_id=9, submitted_at=at(0)),
            status(message_id, S.SUBMITTED_OPERATOR, occurred_at=at(1), carrier_message_id="smsc-1", segments=2),
            status(message_id, S.DELIVERED, occurred_at=at(4), carrier_message_id="smsc-1"),
        )
        row = await harness.wait_for_message(message_id, status="DELIVERED")
        history = await harness.history(message_id)
    assert (row["channel"], row["primary_channel"], row["attempt"], row["fallback_levels"]) == ("SMS", "SMS", 1, 0)
    assert (row["account_id"], row["recipient"], row["campaign_id"]) == (7, "+919876543210", 9)
    assert (row["template_id"], row["template_name"], row["sender_id"]) == (42, "template_42", "MYBRAND")
    assert (row["sent_at"], row["delivered_at"], row["read_at"]) == (at(1), at(4), None)
    assert (row["carrier_message_id"], row["segments"], row["error_code"]) == ("smsc-1", 2, None)
    assert row["cost_minor"] is None
    seconds, millis = divmod(message_id_time_ms(message_id), 1000)
    assert row["created_at"] == datetime.fromtimestamp(seconds, UTC) + timedelta(milliseconds=millis)
    assert [h["status"] for h in history] == ["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED"]
    assert row["submitted_at"] == at(0)


async def test_out_of_order_and_duplicate_events_converge(harness, submitted, status) -> None:
    early_delivery, before_submit = new_message_id(), new_message_id()
    delivered = status(early_delivery, S.DELIVERED, occurred_at=at(5))
    async with harness.service():
        await harness.publish(
            submitted(early_delivery),
            delivered,
            status(early_delivery, S.SUBMITTED_OPERATOR, occurred_at=at(2), carrier_message_id="c-7"),
            delivered,  # the same event again (a producer retry): same data, new event id
            status(before_submit, S.SUBMITTED_OPERATOR, occurred_at=at(1)),
        )
        # the same record delivered twice (same event id): recorded once in the history
        value = envelope(delivered, source="test", subject=early_delivery).model_dump_json().encode()
        for _ in range(2):
            await harness.publisher.broker.publish(
                value, harness.settings.kafka.topic(MSG_STATUS.name), key=early_delivery.encode(), headers=HEADERS
            )
        await harness.wait_for_message(before_submit, status="SUBMITTED_OPERATOR", template_id=None)
        await harness.publish(submitted(before_submit, template_id=77))  # the submit arrives last
        row = await harness.wait_for_message(early_delivery, status="DELIVERED", sent_at=at(2))
        late = await harness.wait_for_message(before_submit, template_id=77)
        await asyncio.sleep(1)  # let the redelivered record land too
        history = await harness.history(early_delivery)
    assert (row["delivered_at"], row["carrier_message_id"]) == (at(5), "c-7")
    assert [h["status"] for h in history].count("DELIVERED") == 3  # two publishes + one record sent twice
    assert (late["status"], late["sent_at"], late["template_name"], late["sender_id"]) == (
        "SUBMITTED_OPERATOR",
        at(1),
        "template_77",
        "MYBRAND",
    )
    assert late["submitted_at"] is not None


async def test_fallback_attempt_supersedes_the_failed_primary(harness, submitted, status) -> None:
    message_id = new_message_id()
    fallback = [FallbackLevel(channel=Channel.WHATSAPP, template_id=15)]
    failed = status(
        message_id,
        S.FAILED,
        channel=Channel.RCS,
        occurred_at=at(1),
        error_code="CARRIER_REJECTED",
        carrier_error_code="403",
    )
    async with harness.service():
        await harness.publish(submitted(message_id, channel=Channel.RCS, template_id=31, fallback=fallback), failed)
        # the primary failed but a fallback level remains: the message is RETRYING, not FAILED
        await harness.wait_for_message(message_id, status="RETRYING", error_code="CARRIER_REJECTED")
        await harness.publish(
            submitted(message_id, channel=Channel.WHATSAPP, attempt=2, template_id=15),
            status(message_id, S.RETRYING, channel=Channel.WHATSAPP, attempt=2, occurred_at=at(2)),
        )
        retrying = await harness.wait_for_message(message_id, status="RETRYING", template_id=15)
        await harness.publish(
            status(message_id, S.SUBMITTED_OPERATOR, channel=Channel.WHATSAPP, attempt=2, occurred_at=at(3)),
            status(message_id, S.DELIVERED, channel=Channel.WHATSAPP, attempt=2, occurred_at=at(4)),
            failed,  # attempt 1's failure again, late: changes nothing
            status(message_id, S.READ, channel=Channel.WHATSAPP, attempt=2, occurred_at=at(6)),
        )
        row = await harness.wait_for_message(message_id, status="READ")
        await asyncio.sleep(0.5)
        row = await harness.message(message_id)
        attempts = await harness.attempts(message_id)
    assert (retrying["channel"], retrying["attempt"], retrying["error_code"]) == ("WHATSAPP", 2, None)
    assert (row["channel"], row["primary_channel"], row["attempt"], row["fallback_levels"]) == (
        "WHATSAPP",
        "RCS",
        2,
        1,
    )
    assert (row["template_id"], row["template_name"], row["error_code"]) == (15, "template_15", None)
    assert (row["sent_at"], row["delivered_at"], row["read_at"]) == (at(3), at(4), at(6))
    assert [(a["attempt"], a["channel"], a["status"], a["error_code"]) for a in attempts] == [
        (1, "RCS", "FAILED", "CARRIER_REJECTED"),
        (2, "WHATSAPP", "READ", None),
    ]
    assert (attempts[0]["carrier_error_code"], attempts[0]["template_id"]) == ("403", 31)


async def test_poison_records_go_to_the_dlq_and_the_rest_of_the_batch_applies(
    harness, submitted, status, kafka_settings
) -> None:
    beyond = new_message_id(now_ms=2**48 - 1)  # year 10889: no timestamp holds it
    good, refused, huge, future = (
        new_message_id(),
        new_message_id(),
        new_message_id(),
        new_message_id(now_ms=int(at(3 * 86400).timestamp()) * 1000),
    )
    topic = kafka_settings.topic(MSG_STATUS.name)
    # published before the service starts, so that its first poll takes them as one batch
    await harness.publisher.broker.publish(b"{not json", topic, key=good.encode(), headers=HEADERS)
    await harness.publish(
        submitted(good),
        submitted(refused),
        status(refused, S.SUBMITTED_OPERATOR, segments=2**40),  # too large for the column: the database refuses it
        submitted(huge),
        status(huge, S.SUBMITTED_OPERATOR, template_id=2**70),  # beyond 64 bits: no JSON number for the batch holds it
        status(future, S.SUBMITTED_OPERATOR),  # dated three days ahead
        status(beyond, S.SUBMITTED_OPERATOR),
        status(good, S.DELIVERED, occurred_at=at(1)),
    )
    async with harness.service():
        row = await harness.wait_for_message(good, status="DELIVERED")
        dead = await read_dlq(kafka_settings, MSG_STATUS.dlq, 5)
        partly = await harness.wait_for_message(refused, status="SUBMITTED")  # its submit still applies
        await harness.wait_for_message(huge, status="SUBMITTED")
        assert await harness.message(future) is None
    errors = {r.key.decode(): dict(r.headers)["x-dlq-error"].decode() for r in dead}
    assert row["delivered_at"] == at(1)
    assert partly["segments"] is None
    assert errors.keys() == {good, refused, huge, future, beyond}
    assert errors[good].startswith("PoisonRecord: not a valid MessageStatusChangedV1")
    assert errors[refused].startswith("PoisonRecord: refused by the database: NumericValueOutOfRangeError")
    assert errors[huge].startswith("PoisonRecord: refused by the database: ValueNotWritable")
    assert errors[future].endswith("in the future")
    assert errors[beyond].startswith("ValueError") and "after the year 9999" in errors[beyond]


async def test_message_of_another_day_lands_in_that_days_partition(harness, submitted, status) -> None:
    created = datetime.now(UTC) - timedelta(days=3)
    message_id = new_message_id(now_ms=int(created.timestamp() * 1000))
    day = created.strftime("%Y%m%d")
    async with harness.service():
        await harness.publish(submitted(message_id), status(message_id, S.DELIVERED))
        await harness.wait_for_message(message_id, status="DELIVERED")
        tables = [
            await harness.db.fetchval(f"SELECT tableoid::regclass::text FROM {table} WHERE message_id = $1", message_id)
            for table in ("messages", "message_attempts", "message_events")
        ]
    assert tables == [f"messages_p{day}", f"message_attempts_p{day}", f"message_events_p{day}"]


async def test_partitions_ahead_exist_at_start_and_ops_endpoints_answer(harness) -> None:
    app = build_app(harness.settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as client:
            ready = await client.get("/readyz")
            metrics = await client.get("/metrics")
            missing = await client.get("/api/v1/messages")
        names = {
            r["relname"]
            for r in await harness.db.fetch("SELECT relname FROM pg_class WHERE relname LIKE 'messages_p%'")
        }
    today = datetime.now(UTC).date()
    assert {f"messages_p{(today + timedelta(days=n)):%Y%m%d}" for n in range(3)} <= names
    assert ready.status_code == 200, ready.text
    assert "cpaas_reporting_batch_apply_seconds" in metrics.text
    assert missing.status_code == 404


async def test_retention_drops_old_days_and_skips_their_late_events(harness, status) -> None:
    today = datetime.now(UTC).date()
    old_day = today - timedelta(days=harness.settings.retention_days + 1)
    old = datetime(old_day.year, old_day.month, old_day.day, 12, tzinfo=UTC)
    expired_id = new_message_id(now_ms=int(old.timestamp() * 1000))
    fresh_id = new_message_id()
    skipped = ("cpaas_reporting_events_total", {"kind": "status", "outcome": "expired"})
    skipped_before = REGISTRY.get_sample_value(*skipped) or 0
    app = build_app(harness.settings)
    async with app.router.lifespan_context(app):
        message_log = app.state.message_log
        await message_log.ensure_days({old_day})
        await maintain_partitions(message_log, retention_days=harness.settings.retention_days, ahead_days=2)
        await harness.publish(status(expired_id, S.DELIVERED), status(fresh_id, S.DELIVERED))
        await harness.wait_for_message(fresh_id, status="DELIVERED")
        await harness.wait_until(lambda: _gt(REGISTRY.get_sample_value(*skipped), skipped_before), "the expired event")
        old_tables = await harness.db.fetch(
            "SELECT relname FROM pg_class WHERE relname LIKE $1", f"%_p{old_day:%Y%m%d}"
        )
    assert old_tables == []
    assert await harness.message(expired_id) is None


async def _gt(value: float | None, floor: float) -> bool:
    return (value or 0) > floor


async def test_a_late_receipt_corrects_an_expired_attempt(harness, submitted, status) -> None:
    message_id = new_message_id()
    async with harness.service():
        await harness.publish(
            submitted(message_id, submitted_at=at(0)),
            status(message_id, S.SUBMITTED_OPERATOR, occurred_at=at(1), carrier_message_id="smsc-9"),
            status(message_id, S.UNDELIVERED, occurred_at=at(60), error_code="RECEIPT_EXPIRED"),
            status(message_id, S.FAILED, occurred_at=at(60), error_code="RECEIPT_EXPIRED"),  # the router's
        )
        await harness.wait_for_message(message_id, status="FAILED", error_code="RECEIPT_EXPIRED")
        await harness.publish(status(message_id, S.DELIVERED, occurred_at=at(90)))
        row = await harness.wait_for_message(message_id, status="DELIVERED")
        # a redelivered expiry changes nothing now
        await harness.publish(status(message_id, S.UNDELIVERED, occurred_at=at(60), error_code="RECEIPT_EXPIRED"))
        await asyncio.sleep(1.0)
        again = await harness.message(message_id)
    assert (row["error_code"], row["delivered_at"]) == (None, at(90))
    assert (again["status"], again["error_code"]) == ("DELIVERED", None)


def _now() -> datetime:
    return datetime.now(UTC)


async def test_receipt_stamped_to_the_minute_reads_after_the_send(harness, submitted, status) -> None:
    """An SMPP receipt 1 ms after submit_sm_resp carries a done date to the minute: earlier
    than the send. The report shows it after the send, keeping the carrier's time."""
    message_id = new_message_id()
    submit_at = _now()
    sent = submit_at + timedelta(milliseconds=5)
    done_date = sent.replace(second=0, microsecond=0)  # YYMMDDhhmm
    async with harness.service():
        await harness.publish(
            submitted(message_id, submitted_at=submit_at, variables={"1": "482913", "2": "10"}),
            status(message_id, S.SUBMITTED_OPERATOR, occurred_at=sent),
            status(message_id, S.DELIVERED, occurred_at=done_date),
        )
        row = await harness.wait_for_message(message_id, status="DELIVERED")
        [attempt] = await harness.attempts(message_id)
        history = await harness.history(message_id)
    assert row["submitted_at"] <= row["sent_at"] <= row["delivered_at"]
    assert (row["sent_at"], row["delivered_at"]) == (sent, sent)
    assert (attempt["provider_sent_at"], attempt["provider_delivered_at"]) == (sent, done_date)
    assert [h["status"] for h in history] == ["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED"]
    times = [h["occurred_at"] for h in history]
    assert times == sorted(times)
    assert history[-1]["provider_at"] == done_date
    assert json.loads(attempt["variables"]) == {"1": "482913", "2": "10"}  # the body is rendered from them


async def test_read_without_delivered_fills_the_delivered_time(harness, submitted, status) -> None:
    message_id = new_message_id()
    submit_at = _now()
    async with harness.service():
        await harness.publish(
            submitted(message_id, channel=Channel.WHATSAPP, submitted_at=submit_at),
            status(
                message_id, S.SUBMITTED_OPERATOR, channel=Channel.WHATSAPP, occurred_at=submit_at + timedelta(seconds=1)
            ),
            status(message_id, S.READ, channel=Channel.WHATSAPP, occurred_at=submit_at + timedelta(seconds=3)),
        )
        row = await harness.wait_for_message(message_id, status="READ")
        assert row["delivered_at"] == row["read_at"] == submit_at + timedelta(seconds=3)
        # the DELIVERED arrives after its READ: its own time is taken
        await harness.publish(
            status(message_id, S.DELIVERED, channel=Channel.WHATSAPP, occurred_at=submit_at + timedelta(seconds=2))
        )
        row = await harness.wait_for_message(message_id, delivered_at=submit_at + timedelta(seconds=2))
        history = await harness.history(message_id)
    assert row["status"] == "READ"
    assert [h["status"] for h in history] == ["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED", "READ"]


async def test_provider_time_before_creation_is_shown_as_the_submit(harness, submitted, status) -> None:
    message_id = new_message_id()
    submit_at = _now()
    skewed = submit_at - timedelta(hours=1)  # a carrier clock an hour behind
    async with harness.service():
        await harness.publish(
            submitted(message_id, submitted_at=submit_at),
            status(message_id, S.SUBMITTED_OPERATOR, occurred_at=skewed),
        )
        row = await harness.wait_for_message(message_id, status="SUBMITTED_OPERATOR")
        [attempt] = await harness.attempts(message_id)
        history = await harness.history(message_id)
    assert row["sent_at"] == submit_at >= row["created_at"]
    assert attempt["provider_sent_at"] == skewed
    assert [(h["status"], h["occurred_at"], h["provider_at"]) for h in history] == [
        ("SUBMITTED", submit_at, submit_at),
        ("SUBMITTED_OPERATOR", submit_at, skewed),
    ]


async def test_history_is_causal_whatever_the_arrival_order(harness, submitted, status) -> None:
    """The receipt arrives (in an earlier batch) before the send's status, stamped earlier."""
    message_id = new_message_id()
    submit_at = _now()
    async with harness.service():
        await harness.publish(
            submitted(message_id, submitted_at=submit_at),
            status(message_id, S.DELIVERED, occurred_at=submit_at + timedelta(seconds=1)),
        )
        await harness.wait_for_message(message_id, status="DELIVERED")
        await harness.publish(status(message_id, S.SUBMITTED_OPERATOR, occurred_at=submit_at + timedelta(seconds=2)))
        row = await harness.wait_for_message(message_id, sent_at=submit_at + timedelta(seconds=2))
        history = await harness.history(message_id)
    assert row["delivered_at"] == submit_at + timedelta(seconds=2)
    assert [h["status"] for h in history] == ["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED"]
    assert [h["seq"] for h in history] == [1, 2, 3]
    times = [h["occurred_at"] for h in history]
    assert times == sorted(times)
