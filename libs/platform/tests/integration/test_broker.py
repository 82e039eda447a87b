"""The broker wiring against the real Kafka: consume in a group, redelivery on error,
dead-lettering of poison records, graceful drain on shutdown."""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from faststream import AckPolicy
from faststream.kafka.annotations import KafkaMessage

from cpaas.contracts import CloudEvent, MessageStatus, MessageStatusChangedV1, new_message_id
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import (
    EAGER_MAX_WAIT_MS,
    EAGER_MIN_BYTES,
    LINGER_IDLE_FACTOR,
    LINGER_IDLE_MIN_SECONDS,
    LINGER_MIN_BYTES,
    BatchMessage,
    EventPublisher,
    PoisonRecord,
    make_broker,
    subscribe,
)
from cpaas.platform.kafka_admin import ensure_topics
from cpaas.platform.settings import KafkaSettings

GROUP = "test-group"
WAIT_SECONDS = 30


def status_event(status: MessageStatus = MessageStatus.DELIVERED) -> MessageStatusChangedV1:
    return MessageStatusChangedV1(
        message_id=new_message_id(),
        account_id=1,
        channel="SMS",
        status=status,
        recipient="+919876543210",
        occurred_at=datetime.now(UTC),
    )


async def read_all(kafka: KafkaSettings, topic: str, count: int) -> list:
    consumer = AIOKafkaConsumer(
        kafka.topic(topic),
        bootstrap_servers=kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list = []
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while len(records) < count:
                batch = await consumer.getmany(timeout_ms=500)
                for partition_records in batch.values():
                    records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def test_event_published_is_consumed_by_a_group_subscriber(kafka_settings: KafkaSettings) -> None:
    broker = make_broker(kafka_settings, client_id="test")
    received: list[CloudEvent[MessageStatusChangedV1]] = []
    done = asyncio.Event()

    @subscribe(broker, kafka_settings.topic(MSG_STATUS.name), group_id=GROUP, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(event: CloudEvent[MessageStatusChangedV1]) -> None:
        received.append(event)
        done.set()

    await broker.start()
    try:
        data = status_event()
        await EventPublisher(broker, kafka_settings, source="test").publish(
            MSG_STATUS.name, data, subject=data.message_id
        )
        await asyncio.wait_for(done.wait(), WAIT_SECONDS)
    finally:
        await broker.stop()
    assert received[0].data == data
    assert received[0].subject == data.message_id
    assert received[0].type == "cpaas.message.status_changed.v1"


async def test_record_is_redelivered_after_a_transient_handler_error(kafka_settings: KafkaSettings) -> None:
    broker = make_broker(kafka_settings, client_id="test")
    attempts: list[str] = []
    done = asyncio.Event()

    @subscribe(broker, kafka_settings.topic(MSG_STATUS.name), group_id=GROUP, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(event: CloudEvent[MessageStatusChangedV1]) -> None:
        attempts.append(event.data.message_id)
        if len(attempts) == 1:
            raise ConnectionError("database went away")
        done.set()

    await broker.start()
    try:
        data = status_event()
        await EventPublisher(broker, kafka_settings, source="test").publish(
            MSG_STATUS.name, data, subject=data.message_id
        )
        await asyncio.wait_for(done.wait(), WAIT_SECONDS)
    finally:
        await broker.stop()
    assert attempts == [data.message_id, data.message_id]


async def test_poison_records_go_to_the_dlq_and_the_partition_moves_on(kafka_settings: KafkaSettings) -> None:
    broker = make_broker(kafka_settings, client_id="test")
    handled: list[str] = []
    done = asyncio.Event()
    topic = kafka_settings.topic(MSG_STATUS.name)
    refused = status_event()

    @subscribe(broker, topic, group_id=GROUP, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(event: CloudEvent[MessageStatusChangedV1]) -> None:
        if event.data.message_id == refused.message_id:
            raise PoisonRecord("handler says this can never succeed")
        handled.append(event.data.message_id)
        done.set()

    await broker.start()
    try:
        # same key, so same partition: the good record sits behind the poison ones
        await broker.publish(b"{not json", topic, key=b"same-key")
        await broker.publish(b'{"specversion": "1.0", "data": {}}', topic, key=b"same-key")
        publisher = EventPublisher(broker, kafka_settings, source="test")
        await publisher.publish(MSG_STATUS.name, refused, subject="same-key")
        good = status_event()
        await publisher.publish(MSG_STATUS.name, good, subject="same-key")
        await asyncio.wait_for(done.wait(), WAIT_SECONDS)
    finally:
        await broker.stop()
    assert handled == [good.message_id]
    dead = await read_all(kafka_settings, MSG_STATUS.dlq, 3)
    assert [r.value[:9] for r in dead[:2]] == [b"{not json", b'{"specver']
    headers = dict(dead[0].headers)
    assert headers["x-dlq-source-topic"] == topic.encode()
    assert b"JSONDecodeError" in headers["x-dlq-error"] or b"ValidationError" in headers["x-dlq-error"]
    assert b"PoisonRecord" in dict(dead[2].headers)["x-dlq-error"]


async def test_shutdown_waits_for_the_handler_in_flight_and_commits_it(kafka_settings: KafkaSettings) -> None:
    topic = kafka_settings.topic(MSG_STATUS.name)
    finished: list[str] = []
    started = asyncio.Event()

    def build():
        broker = make_broker(kafka_settings, client_id="test", graceful_timeout=10)

        @subscribe(broker, topic, group_id=GROUP, ack_policy=AckPolicy.NACK_ON_ERROR)
        async def handle(event: CloudEvent[MessageStatusChangedV1]) -> None:
            started.set()
            await asyncio.sleep(1.0)
            finished.append(event.data.message_id)

        return broker

    broker = build()
    await broker.start()
    data = status_event()
    await EventPublisher(broker, kafka_settings, source="test").publish(MSG_STATUS.name, data, subject=data.message_id)
    await asyncio.wait_for(started.wait(), WAIT_SECONDS)
    await broker.stop()  # while the handler sleeps
    assert finished == [data.message_id]

    # a new member of the same group does not get the record again: it was committed
    second = build()
    started.clear()
    await second.start()
    try:
        await asyncio.sleep(3)
    finally:
        await second.stop()
    assert finished == [data.message_id]


CRASHY = Path(__file__).with_name("crashy_consumer.py")


def run_consumer(kafka: KafkaSettings, log: Path, *, crash: bool) -> int:
    env = {
        **os.environ,
        "BOOTSTRAP": kafka.bootstrap_servers,
        "TOPIC": kafka.topic(MSG_STATUS.name),
        "LOG": str(log),
        "CRASH": "1" if crash else "0",
    }
    return subprocess.run([sys.executable, str(CRASHY)], env=env, timeout=90).returncode


async def test_record_is_delivered_again_after_the_consumer_process_dies_before_commit(
    kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    broker = make_broker(kafka_settings, client_id="test")
    await broker.start()
    data = status_event()
    await EventPublisher(broker, kafka_settings, source="test").publish(MSG_STATUS.name, data, subject=data.message_id)
    await broker.stop()
    log = tmp_path / "seen.log"
    crashed = await asyncio.to_thread(run_consumer, kafka_settings, log, crash=True)
    assert crashed == 17  # os._exit inside the handler, before any commit
    assert log.read_text().split() == [data.message_id]
    finished = await asyncio.to_thread(run_consumer, kafka_settings, log, crash=False)
    assert finished == 0
    assert log.read_text().split() == [data.message_id, data.message_id]


async def test_publisher_sends_through_the_brokers_own_idempotent_producer(kafka_settings: KafkaSettings) -> None:
    broker = make_broker(kafka_settings, client_id="test")
    publisher = EventPublisher(broker, kafka_settings, source="test")
    await broker.start()
    try:
        assert publisher.uses_raw_producer  # a FastStream upgrade that moves it fails here, not silently
        producer = broker.config.producer._producer.producer
        assert producer._txn_manager is not None  # set only when idempotence is on (acks=all)
        data = status_event()
        await publisher.publish_many([(MSG_STATUS.name, data, data.message_id)] * 3)
    finally:
        await broker.stop()
    records = await read_all(kafka_settings, MSG_STATUS.name, 3)
    assert {r.key for r in records} == {data.message_id.encode()}
    assert dict(records[0].headers)["content-type"] == b"application/cloudevents+json"


async def test_a_lingering_subscriber_takes_a_window_of_events_in_one_poll(kafka_settings: KafkaSettings) -> None:
    """Ten events published 20 ms apart: a subscriber with linger_ms=300 gets them in one or
    two polls, the first within the linger of its publication; one without linger gets them
    as they come. Once no batch came for its idle time the lingering one fetches eagerly
    again (aiokafka's defaults), so an idle subscriber does not poll every 300 ms."""
    topic = kafka_settings.topic(f"linger.{uuid.uuid4().hex[:8]}")
    await ensure_topics(kafka_settings, {topic: 3})
    broker = make_broker(kafka_settings, client_id="test")
    polls: dict[str, list[tuple[float, int]]] = {"lingering": [], "eager": []}
    published: list[float] = []
    count, linger_ms = 10, 300

    def recorder(name: str):
        async def handle(body: list[Any], msg: BatchMessage) -> None:
            polls[name].append((time.monotonic(), len(msg.raw_message)))

        handle.__name__ = f"handle_{name}"
        return handle

    subscribers = {}
    for name, linger in (("lingering", linger_ms), ("eager", 0)):
        subscribers[name] = subscribe(
            broker,
            topic,
            group_id=f"linger-{name}-{uuid.uuid4().hex[:6]}",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            linger_ms=linger,
            batch=True,
            max_records=100,
            batch_timeout_ms=5,
        )
        subscribers[name](recorder(name))
    await broker.start()
    try:
        fetcher = subscribers["lingering"].consumer._fetcher
        assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (EAGER_MIN_BYTES, EAGER_MAX_WAIT_MS)
        async with asyncio.timeout(WAIT_SECONDS):  # both groups joined: a first event reaches both
            await broker.publish(b"{}", topic, key=b"warm-up")
            while not all(polls.values()):
                await asyncio.sleep(0.05)
        assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (LINGER_MIN_BYTES, linger_ms)
        for p in polls.values():
            p.clear()
        for i in range(count):
            published.append(time.monotonic())
            await broker.publish(b"{}", topic, key=str(i).encode())
            await asyncio.sleep(0.02)
        async with asyncio.timeout(WAIT_SECONDS):
            while any(sum(n for _, n in p) < count for p in polls.values()):
                await asyncio.sleep(0.05)
        await asyncio.sleep(max(LINGER_IDLE_MIN_SECONDS, LINGER_IDLE_FACTOR * linger_ms / 1000) + 0.5)
        eager_again = (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms)
    finally:
        await broker.stop()
    assert sum(n for _, n in polls["lingering"]) == count
    assert len(polls["lingering"]) <= 2, polls["lingering"]
    assert len(polls["eager"]) > len(polls["lingering"]), polls
    first_taken = polls["lingering"][0][0]
    assert first_taken - published[0] < linger_ms / 1000 + 0.5  # the linger, and a loaded machine's slack
    assert eager_again == (EAGER_MIN_BYTES, EAGER_MAX_WAIT_MS)


def test_linger_is_never_negative() -> None:
    broker = make_broker(KafkaSettings(), client_id="test")
    with pytest.raises(ValueError, match="linger_ms"):
        subscribe(broker, "t", group_id="g", ack_policy=AckPolicy.NACK_ON_ERROR, linger_ms=-1)


async def test_a_batch_handler_gets_its_message_without_a_thread_hop(
    kafka_settings: KafkaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastStream's `msg: KafkaMessage` is resolved in a worker thread for every batch
    (fast_depends runs a sync field's `use` there); `msg: BatchMessage` on the event loop.
    Both handlers get the same records; only the first one's batches cross to a thread."""
    import anyio.to_thread

    topic = kafka_settings.topic(f"hop.{uuid.uuid4().hex[:8]}")
    await ensure_topics(kafka_settings, {topic: 1})
    hops: list[str] = []
    real_run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(func, *args, **kwargs):  # the real one, counted
        hops.append(getattr(func, "__qualname__", repr(func)))
        return await real_run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    broker = make_broker(kafka_settings, client_id="test")
    seen: dict[str, list[bytes]] = {"stock": [], "on the loop": []}

    async def stock(body: list[Any], msg: KafkaMessage) -> None:
        seen["stock"].extend(r.value for r in msg.raw_message)

    async def on_the_loop(body: list[Any], msg: BatchMessage) -> None:
        seen["on the loop"].extend(r.value for r in msg.raw_message)

    for handler in (stock, on_the_loop):
        subscribe(
            broker,
            topic,
            group_id=f"hop-{uuid.uuid4().hex[:6]}",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            batch=True,
            batch_timeout_ms=5,
        )(handler)
    await broker.start()
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            await broker.publish(b"{}", topic, key=b"first")
            while not (seen["stock"] and seen["on the loop"]):
                await asyncio.sleep(0.05)
        hops_of_stock = len(hops)
        hops.clear()
        async with asyncio.timeout(WAIT_SECONDS):  # the loop handler alone now
            await broker.publish(b"{}", topic, key=b"second")
            while len(seen["on the loop"]) < 2 or len(seen["stock"]) < 2:
                await asyncio.sleep(0.05)
    finally:
        await broker.stop()
    assert seen["stock"] == seen["on the loop"] == [b"{}", b"{}"]
    assert hops_of_stock >= 1  # the stock field: a worker thread per batch (it is still so in this FastStream)
    assert sum("Context.use" in h for h in hops) == 1  # the second batch: the stock handler's only
