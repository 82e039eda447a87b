"""The traffic subscriber: one batch subscriber over the four submit topics and msg.status
(group `consumer_group`, committed after the batch's statements: at least once), adding
each record's facts to the per-minute aggregates. A redelivered batch adds nothing: each
fact's key is counted once (`counted`, in the same statement as the sums). A record that is
not a valid event goes to its topic's DLQ alone.

A poll's records are counted in chunks, pipelined: while PostgreSQL sums one chunk, this
process decodes the next (one statement in flight, so chunks never wait on each other's
locks). A chunk that fails leaves the poll uncommitted; the chunks before it are counted
already and count nothing when redelivered.

Registered when the app is built; what it calls exists once the lifespan started."""

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from cpaas.ai.domain.anomaly.facts import Fact, status_fact, submit_fact
from cpaas.ai.store import AnomalyStore
from cpaas.contracts import Channel, MessageStatus
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.events import E164, MessageId, SenderId
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import BatchMessage, PoisonRecord, dead_letter, subscribe
from cpaas.platform.settings import KafkaSettings
from cpaas.platform.started import Started

log = logging.getLogger(__name__)


def traffic_topics(kafka: KafkaSettings) -> list[str]:
    return [*sorted(kafka.topic(spec.name) for spec in SUBMIT_TOPICS.values()), kafka.topic(MSG_STATUS.name)]


CHUNK_RECORDS = 2000


class _Seen(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore")


class SubmitSeen(_Seen):
    """What the detectors read of a MessageSubmittedV1: the same fields with the same types
    (tests/unit/test_traffic_views.py holds them to the contract); the rest of the event is
    not decoded. Validating a dozen fields instead of the whole event and its envelope
    halves the decoding cost per record (bench/anomaly.py)."""

    message_id: MessageId
    account_id: int
    channel: Channel
    recipient: E164
    template_id: int
    template_name: str | None = None
    sender_id: SenderId | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    attempt: int = Field(default=1, ge=1, le=3)
    submitted_at: datetime


class StatusSeen(_Seen):
    """What the detectors read of a MessageStatusChangedV1 (as SubmitSeen)."""

    message_id: MessageId
    account_id: int
    channel: Channel
    attempt: int = Field(default=1, ge=1, le=3)
    status: MessageStatus
    recipient: E164
    occurred_at: datetime
    error_code: ErrorCode | None = None
    sender_id: str | None = None
    template_id: int | None = None


SeenT = TypeVar("SeenT", bound=_Seen)


class _Envelope(BaseModel, Generic[SeenT]):
    model_config = ConfigDict(frozen=True, extra="ignore")
    data: SeenT


_ENVELOPES = {view: _Envelope[view] for view in (SubmitSeen, StatusSeen)}


def decode_view(view: type[SeenT], value: bytes) -> SeenT:
    """The record's event data as `view`; PoisonRecord when it is not such an event."""
    try:
        return _ENVELOPES[view].model_validate_json(value).data
    except ValidationError as exc:
        raise PoisonRecord(f"not a valid event for {view.__name__}: {exc.error_count()} errors") from exc


def fact_of(topic: str, status_topic: str, value: bytes) -> Fact | None:
    """The record's fact (None: a status that counts nothing); PoisonRecord if not an event."""
    if topic == status_topic:
        return status_fact(decode_view(StatusSeen, value))
    return submit_fact(decode_view(SubmitSeen, value))


class TrafficHandler:
    def __init__(self, broker: KafkaBroker, store: AnomalyStore, kafka: KafkaSettings) -> None:
        self.broker = broker
        self.store = store
        self.status_topic = kafka.topic(MSG_STATUS.name)

    async def facts(self, records: Sequence[ConsumerRecord]) -> list[Fact]:
        facts = []
        for record in records:
            try:
                fact = fact_of(record.topic, self.status_topic, record.value)
            except PoisonRecord as exc:
                await dead_letter(self.broker, record, exc)
                continue
            if fact is not None:
                facts.append(fact)
        return facts

    async def handle(self, records: Sequence[ConsumerRecord]) -> int:
        """Count one poll's records; returns the new facts once committed to PostgreSQL."""
        new, in_flight = 0, None
        try:
            for i in range(0, len(records), CHUNK_RECORDS):
                facts = await self.facts(records[i : i + CHUNK_RECORDS])
                if in_flight is not None:
                    new += await in_flight
                in_flight = asyncio.ensure_future(self.store.apply(facts))
                await asyncio.sleep(0)  # it sends its statement; the next chunk decodes meanwhile
            if in_flight is not None:
                new += await in_flight
        finally:
            if in_flight is not None and not in_flight.done():
                in_flight.cancel()
        return new


def register_traffic(
    broker: KafkaBroker,
    handler: Started[TrafficHandler],
    topics: list[str],
    *,
    group_id: str,
    max_records: int,
    batch_timeout_ms: int,
    linger_ms: int = 0,
) -> None:
    """One batch subscriber over all five topics: a named group, commit after the effect
    (NACK_ON_ERROR), a new group from the earliest offset (as reporting's message log)."""

    @subscribe(
        broker,
        *topics,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        linger_ms=linger_ms,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
    )
    async def ai_traffic(body: list[Any], msg: BatchMessage) -> None:
        await handler().handle(msg.raw_message)
