"""Kafka wiring: the broker factory, subscribers that must state their group and ack
policy, publishing of CloudEvents keyed by message id, and the dead-letter path.

Guarantees:
- Producer: idempotent, acks=all. `EventPublisher.publish` returns only once the record
  is acknowledged by the broker.
- Consumer: a subscriber made by `subscribe` commits only after its handler returned
  (never `ACK_FIRST`). A handler that raises a transient error has its record delivered
  again (the consumer seeks back). A record that can never succeed (bad JSON, a payload
  that fails its contract, or a handler raising `PoisonRecord`) is sent to
  `<topic>.dlq` with the error in its headers and then committed, so it neither blocks
  its partition nor is lost.
"""

import asyncio
import json
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, TypeVar

from aiokafka import ConsumerRecord
from faststream import AckPolicy, BaseMiddleware, StreamMessage
from faststream._internal.context import Context  # the field class (faststream.Context makes one)
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage as _KafkaMessage
from pydantic import ValidationError

from cpaas.contracts import CloudEvent, EventData, envelope
from cpaas.contracts.events import envelope_class
from cpaas.contracts.topics import DLQ_SUFFIX
from cpaas.platform.metrics import DEAD_LETTERS, EVENTS_CONSUMED, EVENTS_PUBLISHED, HANDLER_SECONDS
from cpaas.platform.settings import KafkaSettings

log = logging.getLogger(__name__)

TRANSIENT_RETRY_DELAY_SECONDS = 0.5  # pause before a failed record is read again
CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
DataT = TypeVar("DataT", bound=EventData)


class _OnTheLoop(Context):
    """FastStream's `Context` field, resolved on the event loop. fast_depends runs a custom
    field's `use` in a worker thread when it is a plain function, as `Context.use` is: a
    thread hop (a queue put, a thread wake-up, the GIL handed over and back, a self-pipe
    write) for every batch a handler taking `msg: KafkaMessage` is given."""

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return super().use(**kwargs)


# what a batch handler takes its records (`.raw_message`) and acknowledgement from:
#     async def handle(body: list[Any], msg: BatchMessage) -> None
BatchMessage = Annotated[_KafkaMessage, _OnTheLoop("message")]


class PoisonRecord(Exception):
    """Raised by a handler for a record that no retry can make succeed."""


_POISON_ERRORS = (PoisonRecord, ValidationError, json.JSONDecodeError, UnicodeDecodeError)


async def _decode_cloudevents(msg: StreamMessage[Any], original_decoder: Any) -> Any:
    """FastStream decodes only `application/json`; CloudEvents travel as `+json`.

    A body that is not JSON is handed on as bytes, so a typed handler refuses it (and the
    record is dead-lettered alone) while a batch handler can dead-letter just that record.
    """
    if isinstance(msg.body, list):  # a batch: its handler decodes each record with decode_batch
        return msg.body
    if msg.content_type and msg.content_type.endswith("json") and msg.body:
        try:
            return json.loads(msg.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return msg.body
    return await original_decoder(msg)


def make_broker(kafka: KafkaSettings, *, client_id: str, graceful_timeout: float = 15.0) -> KafkaBroker:
    """A broker with an idempotent, acks=all producer and the dead-letter middleware."""
    holder: dict[str, KafkaBroker] = {}

    def dead_letter_middleware(msg: Any, /, *, context: Any) -> "_DeadLetterMiddleware":
        return _DeadLetterMiddleware(msg, context=context, broker=holder["broker"])

    broker = KafkaBroker(
        kafka.bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=0,
        graceful_timeout=graceful_timeout,
        middlewares=[dead_letter_middleware],
        decoder=_decode_cloudevents,
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,
    )
    holder["broker"] = broker
    return broker


LINGER_MIN_BYTES = 256 * 1024  # a lingering fetch returns at once when this much is waiting
EAGER_MIN_BYTES, EAGER_MAX_WAIT_MS = 1, 500  # aiokafka's defaults: the first record returns the fetch
LINGER_IDLE_FACTOR, LINGER_IDLE_MIN_SECONDS = 10, 1.0  # no batch for this long: eager again


class _Linger:
    """One subscriber's fetch mode, switched per batch. A batch arriving turns lingering on
    (the broker holds each fetch until LINGER_MIN_BYTES or `linger_ms`), so the rest of a
    burst comes in windows; once no batch came for `idle_seconds` the fetches are eager
    again (aiokafka's defaults), so an idle subscriber polls twice a second, not once per
    linger, and the first event after a quiet spell is taken at once. aiokafka reads the two
    values from its fetcher for every fetch request it builds (aiokafka 0.14:
    `Fetcher._fetch_min_bytes`, `_fetch_max_wait_ms`; test_broker.py holds it to that)."""

    def __init__(self, linger_ms: int) -> None:
        self.linger_ms = linger_ms
        self.idle_seconds = max(LINGER_IDLE_MIN_SECONDS, LINGER_IDLE_FACTOR * linger_ms / 1000)
        self.last_batch = 0.0
        self.timer: asyncio.TimerHandle | None = None

    def batch_arrived(self, consumer: Any) -> None:
        fetcher = getattr(consumer, "_fetcher", None)
        if fetcher is None:
            return
        loop = asyncio.get_running_loop()
        self.last_batch = loop.time()
        fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms = LINGER_MIN_BYTES, self.linger_ms
        if self.timer is None:
            self.timer = loop.call_later(self.idle_seconds, self._check_idle, fetcher)

    def _check_idle(self, fetcher: Any) -> None:
        loop = asyncio.get_running_loop()
        quiet = loop.time() - self.last_batch
        if quiet >= self.idle_seconds:
            fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms = EAGER_MIN_BYTES, EAGER_MAX_WAIT_MS
            self.timer = None
        else:
            self.timer = loop.call_later(self.idle_seconds - quiet, self._check_idle, fetcher)


def _lingers(broker: KafkaBroker) -> dict[str, _Linger]:
    """The lingering subscribers of `broker`, by consumer group."""
    lingers = getattr(broker, "_cpaas_lingers", None)
    if lingers is None:
        lingers = {}
        broker._cpaas_lingers = lingers  # type: ignore[attr-defined]
    return lingers


def subscribe(
    broker: KafkaBroker,
    *topics: str,
    group_id: str,
    ack_policy: AckPolicy,
    linger_ms: int = 0,
    **options: Any,
) -> Any:
    """`broker.subscriber` that insists on a named group and a commit-after-effect policy.

    `ack_policy` must be NACK_ON_ERROR (redeliver on error) or MANUAL; ACK_FIRST would
    commit before the handler runs and lose the record on a crash.

    `linger_ms` > 0 lets the broker hold a fetch until `LINGER_MIN_BYTES` are waiting or
    `linger_ms` passed, while events flow (`_Linger`): at low rates a poll then carries the
    events of that window instead of one, so a subscriber off the send path pays its
    per-poll work (the handler's transaction, the offset commit, the broker's fetch and
    commit handling) once per window, not once per event, at the price of at most
    `linger_ms` of delay. The first event after a quiet spell is taken at once, and at high
    rates the bytes are there at once.
    """
    if ack_policy is AckPolicy.ACK_FIRST:
        raise ValueError("ACK_FIRST commits before the effect; use NACK_ON_ERROR or MANUAL")
    if not group_id:
        raise ValueError("every subscriber names its consumer group")
    if linger_ms < 0:
        raise ValueError("linger_ms is at least 0")
    if linger_ms:
        _lingers(broker)[group_id] = _Linger(linger_ms)
    options.setdefault("auto_offset_reset", "earliest")
    if not topics:
        raise ValueError("subscribe to at least one topic")
    return broker.subscriber(*topics, group_id=group_id, ack_policy=ack_policy, **options)


class _DeadLetterMiddleware(BaseMiddleware):
    """Every consumed batch or record passes here: poison records go to the DLQ, the
    handler's outcome and time are counted by consumer group, and a lingering subscriber's
    fetch mode is switched (`_Linger`), the one place that sees each batch arrive."""

    def __init__(self, msg: Any, /, *, context: Any, broker: KafkaBroker) -> None:
        super().__init__(msg, context=context)
        self.broker = broker

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
        first = records[0]
        consumer = getattr(msg, "consumer", None) or getattr(first, "consumer", None)
        group = getattr(consumer, "_group_id", None) or "-"
        if (linger := _lingers(self.broker).get(group)) is not None:
            linger.batch_arrived(consumer)
        started = time.perf_counter()
        try:
            result = await call_next(msg)
        except _POISON_ERRORS as exc:
            if len(records) > 1 and not isinstance(exc, PoisonRecord):
                # a batch handler decodes each record itself (decode_batch); a validation
                # error escaping it is a bug in the handler, not a poison batch: retry
                EVENTS_CONSUMED.labels(first.topic, group, "retried").inc(len(records))
                log.exception(
                    "batch handler failed; the batch will be delivered again",
                    extra={"topic": first.topic, "offset": first.offset},
                )
                await asyncio.sleep(TRANSIENT_RETRY_DELAY_SECONDS)
                raise
            for record in records:
                await dead_letter(self.broker, record, exc)
            EVENTS_CONSUMED.labels(first.topic, group, "dead_lettered").inc(len(records))
            return None
        except asyncio.CancelledError:
            raise
        except Exception:
            EVENTS_CONSUMED.labels(first.topic, group, "retried").inc(len(records))
            log.exception(
                "handler failed; the record will be delivered again",
                extra={"topic": first.topic, "offset": first.offset},
            )
            await asyncio.sleep(TRANSIENT_RETRY_DELAY_SECONDS)
            raise
        HANDLER_SECONDS.labels(first.topic, group).observe(time.perf_counter() - started)
        EVENTS_CONSUMED.labels(first.topic, group, "ok").inc(len(records))
        return result


async def dead_letter(broker: KafkaBroker, record: ConsumerRecord, error: BaseException) -> None:
    """Send one record, unchanged, to its topic's DLQ with the error; waits for the ack."""
    if record.topic.endswith(DLQ_SUFFIX):
        log.error("a dead-letter record failed again; dropping the retry", extra={"topic": record.topic})
        return
    dlq = record.topic + DLQ_SUFFIX
    headers = {
        "x-dlq-error": f"{type(error).__name__}: {error}"[:2000],
        "x-dlq-source-topic": record.topic,
        "x-dlq-source-partition": str(record.partition),
        "x-dlq-source-offset": str(record.offset),
    }
    await broker.publish(record.value, dlq, key=record.key, headers=headers)
    DEAD_LETTERS.labels(record.topic).inc()
    log.warning(
        "record sent to the dead-letter topic",
        extra={"topic": record.topic, "dlq": dlq, "offset": record.offset, "error": headers["x-dlq-error"]},
    )


def decode_event(model: type[DataT], value: bytes) -> CloudEvent[DataT]:
    """Parse one record's value; raises PoisonRecord when it is not a valid event."""
    try:
        return envelope_class(model).model_validate_json(value)
    except ValidationError as exc:
        raise PoisonRecord(f"not a valid {model.__name__}: {exc.error_count()} errors") from exc


async def decode_batch(
    broker: KafkaBroker, model: type[DataT], records: Sequence[ConsumerRecord]
) -> list[CloudEvent[DataT]]:
    """Decode a batch; each record that is not a valid event goes to the DLQ alone."""
    events = []
    for record in records:
        try:
            events.append(decode_event(model, record.value))
        except PoisonRecord as exc:
            await dead_letter(broker, record, exc)
    return events


class EventPublisher:
    """Publishes event data as CloudEvents keyed by the message id (the subject).

    Sends go straight to the broker's underlying aiokafka producer (the same idempotent,
    acks=all producer): FastStream's publish pipeline costs more CPU than the send
    itself on the submit hot path. `uses_raw_producer` tells which path is taken.
    """

    def __init__(self, broker: KafkaBroker, kafka: KafkaSettings, *, source: str) -> None:
        self.broker = broker
        self.kafka = kafka
        self.source = source

    def _raw_producer(self) -> Any:
        try:
            return self.broker.config.producer._producer.producer
        except AttributeError:
            return None

    @property
    def uses_raw_producer(self) -> bool:
        return self._raw_producer() is not None

    def _record(self, data: EventData, subject: str) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
        event = envelope(data, source=self.source, subject=subject)
        headers = [
            ("content-type", CLOUDEVENTS_CONTENT_TYPE.encode()),
            ("ce_type", event.type.encode()),
            ("ce_id", event.id.encode()),
        ]
        return event.model_dump_json().encode(), subject.encode(), headers

    async def _send(self, topic: str, data: EventData, subject: str) -> asyncio.Future:
        value, key, headers = self._record(data, subject)
        producer = self._raw_producer()
        EVENTS_PUBLISHED.labels(topic).inc()
        if producer is not None:
            return await producer.send(topic, value, key=key, headers=headers)
        return await self.broker.publish(
            value, topic, key=key, headers={k: v.decode() for k, v in headers}, no_confirm=True
        )

    async def publish(self, topic_name: str, data: EventData, *, subject: str) -> None:
        """Publish one event and wait until the broker has it (acks=all)."""
        await (await self._send(self.kafka.topic(topic_name), data, subject))

    async def publish_many(self, items: Iterable[tuple[str, EventData, str]]) -> None:
        """Publish (topic name, data, subject) items pipelined; returns once all are acked."""
        futures = [await self._send(self.kafka.topic(topic_name), data, subject) for topic_name, data, subject in items]
        await asyncio.gather(*futures)


async def decode_submit_batch(broker: KafkaBroker, records: Sequence[ConsumerRecord], channel: Any) -> list[Any]:
    """The valid `MessageSubmittedV1` of `channel` in a batch from its submit topic; every
    other record (not an event, or another channel's message) goes to the DLQ alone."""
    from cpaas.contracts import MessageSubmittedV1

    events = []
    for record in records:
        try:
            event = decode_event(MessageSubmittedV1, record.value).data
            if event.channel is not channel:
                raise PoisonRecord(f"a {event.channel} message on the {channel} submit topic")
        except PoisonRecord as exc:
            await dead_letter(broker, record, exc)
            continue
        events.append(event)
    return events
