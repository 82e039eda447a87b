"""The router against the real Kafka and PostgreSQL: chains from submits, fallback on
failure and on silence, exactly once, across restarts."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from cpaas.console.seed import seed
from cpaas.contracts import (
    Channel,
    FallbackLevel,
    MessageStatus,
    MessageStatusChangedV1,
    MessageSubmittedV1,
    new_message_id,
)
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.router.app import build_app
from cpaas.router.settings import RouterSettings

RECIPIENT = "+919876543903"


@pytest.fixture
async def env(kafka_settings, pg_settings, tmp_path: Path):
    creds = await seed(pg_settings, tmp_path / "creds.json")
    settings = RouterSettings(
        kafka=kafka_settings,
        postgres=pg_settings,
        timer_interval_seconds=0.1,
        receipt_timeout_seconds={c: 30.0 for c in Channel},
    )
    broker = make_broker(kafka_settings, client_id="test")
    await broker.start()
    yield creds, settings, EventPublisher(broker, kafka_settings, source="test")
    await broker.stop()


def chain_submit(creds: dict, message_id: str) -> MessageSubmittedV1:
    return MessageSubmittedV1(
        message_id=message_id,
        account_id=creds["accountId"],
        channel=Channel.RCS,
        recipient=RECIPIENT,
        template_id=creds["templates"]["RCS"],
        variables={"1": "Asha"},
        submitted_at=datetime.now(UTC),
        fallback=[
            FallbackLevel(
                channel=Channel.WHATSAPP,
                template_id=creds["templates"]["WHATSAPP"],
                variables={"1": "Asha", "2": "A-1042"},
            ),
            FallbackLevel(
                channel=Channel.SMS,
                template_id=creds["templates"]["SMS"],
                sender_id="CPAASD",
                variables={"1": "771204", "2": "20"},
            ),
        ],
    )


def status(
    creds: dict, message_id: str, attempt: int, channel: Channel, value: MessageStatus
) -> MessageStatusChangedV1:
    return MessageStatusChangedV1(
        message_id=message_id,
        account_id=creds["accountId"],
        channel=channel,
        attempt=attempt,
        status=value,
        recipient=RECIPIENT,
        occurred_at=datetime.now(UTC),
    )


class Recorder:
    """Everything on the status and submit topics, by message id."""

    def __init__(self, kafka) -> None:
        self.kafka = kafka
        self.events: list[dict] = []

    async def __aenter__(self):
        topics = [self.kafka.topic(MSG_STATUS.name)] + [self.kafka.topic(t.name) for t in SUBMIT_TOPICS.values()]
        self.consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self.kafka.bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self.consumer.start()
        self.task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        async for record in self.consumer:
            self.events.append(json.loads(record.value))

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        await self.consumer.stop()

    def of(self, message_id: str, source: str = "router") -> list[tuple[str, int, str]]:
        return [
            (e["type"].split(".")[2], e["data"]["attempt"], e["data"].get("status") or e["data"]["channel"])
            for e in self.events
            if e["subject"] == message_id and e["source"].endswith(source)
        ]

    async def wait_for(self, message_id: str, count: int, timeout: float = 15) -> list:
        async with asyncio.timeout(timeout):
            while len(self.of(message_id)) < count:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # and nothing more arrives
        return self.of(message_id)


async def test_rcs_failure_falls_back_to_whatsapp_then_sms_and_stops_when_delivered(env) -> None:
    creds, settings, publisher = env
    app = build_app(settings)
    mid = new_message_id()
    async with app.router.lifespan_context(app), Recorder(settings.kafka) as rec:
        await publisher.publish(SUBMIT_TOPICS[Channel.RCS].name, chain_submit(creds, mid), subject=mid)
        await publisher.publish(MSG_STATUS.name, status(creds, mid, 1, Channel.RCS, MessageStatus.FAILED), subject=mid)
        # one event on msg.status and one on msg.submit.whatsapp: their order across two topics is
        # not something a consumer sees, so they are compared as a set
        assert sorted(await rec.wait_for(mid, 2)) == [("status_changed", 2, "RETRYING"), ("submitted", 2, "WHATSAPP")]
        await publisher.publish(
            MSG_STATUS.name, status(creds, mid, 2, Channel.WHATSAPP, MessageStatus.FAILED), subject=mid
        )
        events = await rec.wait_for(mid, 4)
        assert sorted(events[2:]) == [("status_changed", 3, "RETRYING"), ("submitted", 3, "SMS")]
        sms_submit = [
            e
            for e in rec.events
            if e["subject"] == mid and e["data"].get("attempt") == 3 and e["type"].endswith("submitted.v1")
        ][0]["data"]
        # each level is sent with its own variables, never the primary's ({"1": "Asha"})
        assert sms_submit["senderId"] == "CPAASD" and sms_submit["variables"] == {"1": "771204", "2": "20"}
        assert sms_submit["templateName"] == "otp_alert"
        [wa_submit] = [
            e["data"]
            for e in rec.events
            if e["subject"] == mid and e["data"].get("attempt") == 2 and e["type"].endswith("submitted.v1")
        ]
        assert wa_submit["variables"] == {"1": "Asha", "2": "A-1042"}
        assert [f["variables"] for f in wa_submit["fallback"]] == [{"1": "771204", "2": "20"}]
        await publisher.publish(
            MSG_STATUS.name, status(creds, mid, 3, Channel.SMS, MessageStatus.DELIVERED), subject=mid
        )
        assert len(await rec.wait_for(mid, 4)) == 4


async def test_duplicate_and_late_statuses_never_start_a_second_fallback(env) -> None:
    creds, settings, publisher = env
    app = build_app(settings)
    mid = new_message_id()
    async with app.router.lifespan_context(app), Recorder(settings.kafka) as rec:
        await publisher.publish(SUBMIT_TOPICS[Channel.RCS].name, chain_submit(creds, mid), subject=mid)
        failed = status(creds, mid, 1, Channel.RCS, MessageStatus.FAILED)
        await publisher.publish_many([(MSG_STATUS.name, failed, mid)] * 3)
        await rec.wait_for(mid, 2)
        late = status(creds, mid, 1, Channel.RCS, MessageStatus.DELIVERED)  # after the fallback began
        await publisher.publish(MSG_STATUS.name, late, subject=mid)
        assert len(await rec.wait_for(mid, 2)) == 2


async def test_every_level_undelivered_ends_failed(env) -> None:
    creds, settings, publisher = env
    app = build_app(settings)
    mid = new_message_id()
    async with app.router.lifespan_context(app), Recorder(settings.kafka) as rec:
        await publisher.publish(SUBMIT_TOPICS[Channel.RCS].name, chain_submit(creds, mid), subject=mid)
        for attempt, channel in enumerate([Channel.RCS, Channel.WHATSAPP, Channel.SMS], start=1):
            await publisher.publish(
                MSG_STATUS.name, status(creds, mid, attempt, channel, MessageStatus.UNDELIVERED), subject=mid
            )
            await rec.wait_for(mid, 2 * attempt - (1 if attempt == 3 else 0))
        events = await rec.wait_for(mid, 5)
        assert events[-1] == ("status_changed", 3, "FAILED")


async def test_a_status_consumed_before_its_submit_still_falls_back(env) -> None:
    creds, settings, publisher = env
    app = build_app(settings)
    mid = new_message_id()
    async with app.router.lifespan_context(app), Recorder(settings.kafka) as rec:
        await publisher.publish(MSG_STATUS.name, status(creds, mid, 1, Channel.RCS, MessageStatus.FAILED), subject=mid)
        await asyncio.sleep(1.0)  # the status is handled (parked) first
        await publisher.publish(SUBMIT_TOPICS[Channel.RCS].name, chain_submit(creds, mid), subject=mid)
        # one event on msg.status and one on msg.submit.whatsapp: their order across two topics is
        # not something a consumer sees, so they are compared as a set
        assert sorted(await rec.wait_for(mid, 2)) == [("status_changed", 2, "RETRYING"), ("submitted", 2, "WHATSAPP")]


async def test_silence_past_the_timeout_falls_back_once_even_across_a_router_restart(env) -> None:
    creds, settings, publisher = env
    settings = settings.model_copy(update={"receipt_timeout_seconds": {c: 3.0 for c in Channel}})
    mid = new_message_id()
    async with Recorder(settings.kafka) as rec:
        first = build_app(settings)
        async with first.router.lifespan_context(first):
            await publisher.publish(SUBMIT_TOPICS[Channel.RCS].name, chain_submit(creds, mid), subject=mid)
            await publisher.publish(
                MSG_STATUS.name, status(creds, mid, 1, Channel.RCS, MessageStatus.SUBMITTED_OPERATOR), subject=mid
            )
            await asyncio.sleep(1.0)  # the chain exists; its deadline is 2 s away
        assert rec.of(mid) == []
        await asyncio.sleep(2.5)  # the deadline passes while no router runs
        second = build_app(settings)
        async with second.router.lifespan_context(second):
            events = await rec.wait_for(mid, 2)
            # msg.status and msg.submit.whatsapp: no order across the two topics (as the others)
            assert sorted(events) == [("status_changed", 2, "RETRYING"), ("submitted", 2, "WHATSAPP")]
            retrying = [e for e in rec.events if e["subject"] == mid and e["data"].get("status") == "RETRYING"][0]
            assert retrying["data"]["errorCode"] == "NO_DELIVERY_RECEIPT"
