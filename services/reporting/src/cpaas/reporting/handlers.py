"""The message-log subscriber: one batch subscriber over the four submit topics and
msg.status, writing each poll's records in one transaction.

Guarantees: offsets are committed only after the batch's transaction has committed
(NACK_ON_ERROR). A transient error (database away, deadlock, serialisation) rewinds
the batch and it comes again, which is harmless because every write is idempotent. A
record that can never be applied goes to its topic's DLQ alone and the rest of its
batch is applied: a record that is not a valid event, one whose message id is dated
in the future, or one whose values PostgreSQL refuses (found by applying the batch
message by message once the whole batch failed with a data error). Events of messages
older than the retention are skipped: their day partition is gone for good.

Costs (a second subscriber, on billing.charged): each message's cost, the attempt's amount
on its attempt row and the sum over attempts (fallback levels are charged on their own
channels) on the message; a refunded attempt (a WhatsApp / RCS / voice one that was never
delivered) costs 0. A charge can be consumed before reporting has written its
attempt (different topics); such a batch is retried shortly (the attempt row follows
within moments), unless the message is too old to still appear, when the charge is
skipped and counted.

Both subscribers are registered when the app is built; what they call exists once the
lifespan started (cpaas.platform.started: a batch before that raises, nothing is committed).
"""

import asyncio
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.contracts.events import MessageChargedV1
from cpaas.contracts.topics import BILLING_CHARGED, MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import BatchMessage, PoisonRecord, dead_letter, decode_batch, subscribe
from cpaas.platform.logs import bind_log_context
from cpaas.platform.settings import KafkaSettings
from cpaas.platform.started import Started
from cpaas.reporting.domain import Item, message_created_at, plan_batch, retention_cutoff, status_update, submit_update
from cpaas.reporting.metrics import BATCH_APPLY_SECONDS, BATCH_SIZE, EVENTS_APPLIED
from cpaas.reporting.store import MessageLog, PreparedBatch, ValueNotWritable
from cpaas.reporting.views import StatusSeen, SubmitSeen, decode_view

log = logging.getLogger(__name__)

MISSING_ATTEMPT_PATIENCE = timedelta(minutes=10)
CHUNK_RECORDS = 2000  # records of a poll written in one transaction (polls take up to 5,000)
DECODE_YIELD_RECORDS = 100  # about 3 ms of decoding between two chances for the chunk in flight
FUTURE_TOLERANCE = timedelta(days=1)  # a message id dated later than this is refused (clock far off)
# errors that say these values can never be written; anything else is transient
DATA_ERRORS = (asyncpg.DataError, asyncpg.NotNullViolationError, asyncpg.CheckViolationError, ValueNotWritable)


@dataclass(frozen=True, slots=True)
class Decoded:
    record: ConsumerRecord
    kind: str  # "submit" or "status"
    item: Item

    @property
    def message_id(self) -> str:
        return self.item[0].message_id


def _partition_missing(exc: Exception) -> bool:
    return isinstance(exc, asyncpg.CheckViolationError) and "no partition" in str(exc)


class AttemptNotYetLogged(Exception):
    """A charge arrived before its attempt row; the batch comes again."""


def message_log_topics(kafka: KafkaSettings) -> list[str]:
    """The four submit topics, then msg.status."""
    return [*sorted(kafka.topic(spec.name) for spec in SUBMIT_TOPICS.values()), kafka.topic(MSG_STATUS.name)]


class MessageLogHandler:
    def __init__(self, broker: KafkaBroker, message_log: MessageLog, kafka: KafkaSettings, *, retention_days: int):
        self.broker = broker
        self.message_log = message_log
        self.retention_days = retention_days
        self.submit_topics = frozenset(kafka.topic(spec.name) for spec in SUBMIT_TOPICS.values())
        self.status_topic = kafka.topic(MSG_STATUS.name)

    async def handle(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply one poll's records, submits first, then statuses (each in offset order), in
        chunks of CHUNK_RECORDS, one transaction each, pipelined: while PostgreSQL writes one
        chunk, this process decodes and plans the next. One transaction is in flight at a
        time, so a chunk starts after the one before it has committed. Returns once every
        chunk is committed; a chunk that fails raises and leaves the poll uncommitted (the
        chunks before it are written already and change nothing when it comes again)."""
        started = time.perf_counter()
        ordered = sorted(records, key=lambda r: r.topic not in self.submit_topics)  # stable
        now = datetime.now(UTC)
        in_flight: asyncio.Future[None] | None = None
        try:
            for i in range(0, len(ordered), CHUNK_RECORDS):
                kept = await self._dated_within_log(await self._decode(ordered[i : i + CHUNK_RECORDS]), now)
                prepared = self._prepare(kept)
                if in_flight is not None:
                    await in_flight
                    in_flight = None
                if kept:
                    in_flight = asyncio.ensure_future(self._apply(kept, prepared))
                    await asyncio.sleep(0)  # it sends its first statement; the next chunk decodes meanwhile
            if in_flight is not None:
                await in_flight
        finally:
            if in_flight is not None and not in_flight.done():
                in_flight.cancel()
        BATCH_SIZE.observe(len(records))
        BATCH_APPLY_SECONDS.observe(time.perf_counter() - started)

    async def _decode(self, records: Sequence[ConsumerRecord]) -> list[Decoded]:
        """Each record's item, in order; invalid records go to the DLQ. Yields to the event loop
        every DECODE_YIELD_RECORDS records, so that the chunk in flight sends its next statement
        as soon as PostgreSQL answers the one before (else it would wait for this whole chunk)."""
        decoded: list[Decoded] = []
        for n, record in enumerate(records, 1):
            if n % DECODE_YIELD_RECORDS == 0:
                await asyncio.sleep(0)
            kind = "submit" if record.topic in self.submit_topics else "status"
            try:
                if kind == "submit":
                    submit = decode_view(SubmitSeen, record.value)
                    item = submit_update(submit.id, submit.data)
                else:
                    status = decode_view(StatusSeen, record.value)
                    item = status_update(status.id, status.data)
            except (PoisonRecord, ValueError) as exc:  # ValueError: a message id dated past year 9999
                await dead_letter(self.broker, record, exc)
                EVENTS_APPLIED.labels(kind, "dead_lettered").inc()
                continue
            decoded.append(Decoded(record, kind, item))
        return decoded

    async def _dated_within_log(self, decoded: list[Decoded], now: datetime) -> list[Decoded]:
        cutoff = retention_cutoff(now.date(), self.retention_days)
        kept = []
        for d in decoded:
            created_at = d.item[0].created_at
            if created_at.date() < cutoff:
                EVENTS_APPLIED.labels(d.kind, "expired").inc()
            elif created_at > now + FUTURE_TOLERANCE:
                error = PoisonRecord(f"message id {d.message_id} is dated {created_at.isoformat()}, in the future")
                await dead_letter(self.broker, d.record, error)
                EVENTS_APPLIED.labels(d.kind, "dead_lettered").inc()
            else:
                kept.append(d)
        return kept

    def _prepare(self, batch: list[Decoded]) -> PreparedBatch | str:
        """The batch's statements' parameters, or why they can never be written."""
        try:
            return self.message_log.prepare(plan_batch(d.item for d in batch))
        except ValueNotWritable as exc:
            return f"{type(exc).__name__}: {exc}"

    async def _apply(self, batch: list[Decoded], prepared: PreparedBatch | str | None = None) -> None:
        refusal = await self._try_apply(batch, prepared)
        if refusal is None:
            return
        log.warning("batch refused by the database; applying it message by message", extra={"error": refusal})
        by_message: dict[str, list[Decoded]] = defaultdict(list)
        for d in batch:
            by_message[d.message_id].append(d)
        for message_id, items in by_message.items():
            with bind_log_context(message_id=message_id, account_id=items[0].item[0].account_id):
                if await self._try_apply(items) is not None:
                    await self._apply_record_by_record(items)

    async def _apply_record_by_record(self, items: list[Decoded]) -> None:
        """In order, so the records that succeed have their usual effect; the refused go to the DLQ."""
        for d in items:
            refusal = await self._try_apply([d])
            if refusal is not None:
                await dead_letter(self.broker, d.record, PoisonRecord(f"refused by the database: {refusal}"))
                EVENTS_APPLIED.labels(d.kind, "dead_lettered").inc()

    async def _try_apply(self, items: list[Decoded], prepared: PreparedBatch | str | None = None) -> str | None:
        """Write `items` (`prepared`: their statements' parameters, or why they cannot be
        written) in one transaction; returns why the database refused them, or None.

        Raises on a transient error, so that the whole batch is delivered again.
        """
        if isinstance(prepared, str):
            return prepared
        try:
            await self.message_log.write(prepared or self.message_log.prepare(plan_batch(d.item for d in items)))
        except DATA_ERRORS as exc:
            if _partition_missing(exc):
                self.message_log.forget_days()  # dropped behind our back: checked again on redelivery
                raise
            return f"{type(exc).__name__}: {exc}"
        for kind, count in Counter(d.kind for d in items).items():
            EVENTS_APPLIED.labels(kind, "applied").inc(count)
        return None


def latest_costs(charges: list[MessageChargedV1]) -> list[MessageChargedV1]:
    """One event per (message id, attempt): a refund (refunded_minor > 0, the attempt costs
    0) wins whatever the order, else the latest; billing publishes a refund after its charge
    (issue 20.3), and one UPDATE must not see an attempt twice."""
    chosen: dict[tuple[str, int], MessageChargedV1] = {}
    for charge in charges:
        key = (charge.message_id, charge.attempt)
        if key not in chosen or not chosen[key].refunded_minor:
            chosen[key] = charge
    return list(chosen.values())


async def apply_costs(message_log: MessageLog, charges: list[MessageChargedV1], now: datetime) -> None:
    """Write the charges' costs; AttemptNotYetLogged while a recent one has no attempt row yet."""
    charges = latest_costs(charges)
    if not charges:
        return
    created = [message_created_at(c.message_id) for c in charges]
    applied = await message_log.apply_charges(charges, created)
    missing = [
        c
        for c, at in zip(charges, created, strict=True)
        if (c.message_id, c.attempt) not in applied and now - at < MISSING_ATTEMPT_PATIENCE
    ]
    EVENTS_APPLIED.labels("charge", "applied").inc(len(applied))
    if missing:
        raise AttemptNotYetLogged(f"{len(missing)} charges wait for their attempt rows")


def register_costs(
    broker: KafkaBroker,
    kafka: KafkaSettings,
    message_log: Started[MessageLog],
    *,
    group_id: str,
    linger_ms: int = 0,
) -> None:
    @subscribe(
        broker,
        kafka.topic(BILLING_CHARGED.name),
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        linger_ms=linger_ms,
        batch=True,
        max_records=1000,
        batch_timeout_ms=10,
    )
    async def costs(body: list[Any], msg: BatchMessage) -> None:
        events = await decode_batch(broker, MessageChargedV1, msg.raw_message)
        await apply_costs(message_log(), [e.data for e in events], datetime.now(UTC))


def register_message_log(
    broker: KafkaBroker,
    handler: Started[MessageLogHandler],
    topics: list[str],
    *,
    group_id: str,
    max_records: int,
    batch_timeout_ms: int,
    linger_ms: int = 0,
) -> None:
    """One batch subscriber over all five topics: a named group, commit after the effect
    (NACK_ON_ERROR), a new group starting from the earliest offset."""

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
    async def message_log(body: list[Any], msg: BatchMessage) -> None:
        await handler().handle(msg.raw_message)
