"""The traffic subscriber: one batch subscriber over the four submit topics and msg.status
(group `consumer_group`, committed after the batch's transaction: at least once), adding
each record's facts to the per-minute aggregates. A redelivered batch adds nothing: each
fact's key is counted once (`counted`, same transaction). A record that is not a valid event
goes to its topic's DLQ alone.

Registered when the app is built; what it calls exists once the lifespan started."""

import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from cpaas.ai.domain.anomaly.facts import Fact, status_fact, submit_fact
from cpaas.ai.store import AnomalyStore
from cpaas.contracts import MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import PoisonRecord, dead_letter, decode_event
from cpaas.platform.settings import KafkaSettings
from cpaas.platform.started import Started

log = logging.getLogger(__name__)


def traffic_topics(kafka: KafkaSettings) -> list[str]:
    return [*sorted(kafka.topic(spec.name) for spec in SUBMIT_TOPICS.values()), kafka.topic(MSG_STATUS.name)]


def fact_of(topic: str, status_topic: str, value: bytes) -> Fact | None:
    """The record's fact (None: a status that counts nothing); PoisonRecord if not an event."""
    if topic == status_topic:
        return status_fact(decode_event(MessageStatusChangedV1, value).data)
    return submit_fact(decode_event(MessageSubmittedV1, value).data)


class TrafficHandler:
    def __init__(self, broker: KafkaBroker, store: AnomalyStore, kafka: KafkaSettings) -> None:
        self.broker = broker
        self.store = store
        self.status_topic = kafka.topic(MSG_STATUS.name)

    async def handle(self, records: Sequence[ConsumerRecord]) -> int:
        """Count one poll's records; returns the new facts once committed to PostgreSQL."""
        facts = []
        for record in records:
            try:
                fact = fact_of(record.topic, self.status_topic, record.value)
            except PoisonRecord as exc:
                await dead_letter(self.broker, record, exc)
                continue
            if fact is not None:
                facts.append(fact)
        return await self.store.apply(facts)


def register_traffic(
    broker: KafkaBroker,
    handler: Started[TrafficHandler],
    topics: list[str],
    *,
    group_id: str,
    max_records: int,
    batch_timeout_ms: int,
) -> None:
    """One batch subscriber over all five topics: a named group, commit after the effect
    (NACK_ON_ERROR), a new group from the earliest offset (as reporting's message log)."""

    @broker.subscriber(
        *topics,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
    )
    async def ai_traffic(body: list[Any], msg: KafkaMessage) -> None:
        await handler().handle(msg.raw_message)
