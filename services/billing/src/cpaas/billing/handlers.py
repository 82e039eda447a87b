"""The charging subscriber: one batch subscriber on msg.status (group "billing").

Per batch: decode, keep the first chargeable event of each (message id, attempt), price
it (template category and type from the console, through cpaas.control_plane), and the
first refunding event of each attempt (a WhatsApp / RCS / voice attempt that ended
FAILED or UNDELIVERED, unless the batch also says it was DELIVERED / READ); charge, then
refund, the whole batch in ONE transaction, then publish a MessageChargedV1 per charge
and per refund (a refund's says the attempt now costs 0; an attempt charged and refunded
in the same batch publishes only its refund), pipelined, and return, after which the
offsets are committed (NACK_ON_ERROR).

Guarantees: an attempt is charged at most once (a unique index); a transient error
(database or broker away) raises, so the batch comes again and finds its charges in
the ledger: the events that made them publish their MessageChargedV1 again (consumers
treat charged events idempotently), so a crash between the commit and the publish
loses no cost for reporting. A record that can never be charged goes to msg.status.dlq
alone and the rest of its batch is charged: a record that is not a valid event, one
with impossible values (segments, account id), or one PostgreSQL refuses (found by
charging the batch one by one after the whole batch failed with a data error).
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.billing.domain.pricing import (
    TemplateInfo,
    UnitsOutOfRange,
    is_chargeable,
    is_reached,
    is_refunding,
    price,
)
from cpaas.billing.metrics import (
    BATCH_SECONDS,
    BATCH_SIZE,
    CHARGED_AMOUNT,
    CHARGES,
    REFUNDED_AMOUNT,
    REFUNDS,
    TEMPLATES_UNKNOWN,
)
from cpaas.billing.store import AppliedCharge, AppliedRefund, BillingStore, Charge, Refund
from cpaas.contracts import Channel, CloudEvent, MessageStatusChangedV1
from cpaas.contracts.events import MessageChargedV1
from cpaas.contracts.topics import BILLING_CHARGED, MSG_STATUS
from cpaas.control_plane import ControlPlane
from cpaas.platform.broker import BatchMessage, EventPublisher, PoisonRecord, dead_letter, decode_event, subscribe
from cpaas.platform.settings import KafkaSettings

log = logging.getLogger(__name__)

MAX_ACCOUNT_ID = 2**63 - 1  # account ids are PostgreSQL bigints
# errors that say these values can never be written; anything else is transient
DATA_ERRORS = (asyncpg.DataError, asyncpg.NotNullViolationError, asyncpg.CheckViolationError)
_TEMPLATE_PRICED = frozenset({Channel.WHATSAPP, Channel.RCS})


@dataclass(frozen=True, slots=True)
class Candidate:
    record: ConsumerRecord
    event: CloudEvent[MessageStatusChangedV1]

    @property
    def key(self) -> tuple[str, int]:
        return self.event.data.message_id, self.event.data.attempt


class ChargingHandler:
    def __init__(
        self,
        broker: KafkaBroker,
        store: BillingStore,
        control: ControlPlane,
        publisher: EventPublisher,
        *,
        home_region: str,
    ) -> None:
        self.broker = broker
        self.store = store
        self.control = control
        self.publisher = publisher
        self.home_region = home_region

    async def handle(self, records: Sequence[ConsumerRecord]) -> None:
        """Charge one poll's records; returns once charged and their events published."""
        started = time.perf_counter()
        candidates, refunds = await self._candidates(records)
        if candidates or refunds:
            charges = await self._price(candidates)
            applied, refunded = await self._apply(charges, refunds)
            await self._publish(applied, refunded)
        BATCH_SIZE.observe(len(records))
        BATCH_SECONDS.observe(time.perf_counter() - started)

    async def _candidates(self, records: Sequence[ConsumerRecord]) -> tuple[list[Candidate], list[Candidate]]:
        """The first chargeable and the first refunding event of each attempt, in offset
        order (no refund for an attempt the batch also saw DELIVERED / READ); invalid
        records go to the DLQ."""
        seen: dict[tuple[str, int], Candidate] = {}
        ended: dict[tuple[str, int], Candidate] = {}
        reached: set[tuple[str, int]] = set()
        for record in records:
            try:
                event = decode_event(MessageStatusChangedV1, record.value)
            except PoisonRecord as exc:
                await dead_letter(self.broker, record, exc)
                CHARGES.labels("-", "dead_lettered").inc()
                continue
            candidate = Candidate(record, event)
            if is_chargeable(event.data):
                seen.setdefault(candidate.key, candidate)
            if is_reached(event.data):
                reached.add(candidate.key)
            elif is_refunding(event.data):
                ended.setdefault(candidate.key, candidate)
        refunds = []
        for key, candidate in ended.items():
            if key in reached:
                continue
            if not 0 < candidate.event.data.account_id <= MAX_ACCOUNT_ID:
                await self._refuse(
                    candidate, PoisonRecord(f"account id {candidate.event.data.account_id} is out of range")
                )
                continue
            refunds.append(candidate)
        return list(seen.values()), refunds

    async def _price(self, candidates: list[Candidate]) -> dict[tuple[str, int], tuple[Candidate, Charge]]:
        template_ids = [
            c.event.data.template_id
            for c in candidates
            if c.event.data.channel in _TEMPLATE_PRICED and c.event.data.template_id is not None
        ]
        found = await self.control.templates(template_ids) if template_ids else {}
        templates = {template_id: TemplateInfo.of(template) for template_id, template in found.items()}
        priced: dict[tuple[str, int], tuple[Candidate, Charge]] = {}
        for candidate in candidates:
            try:
                priced[candidate.key] = (candidate, self._charge(candidate, templates))
            except (UnitsOutOfRange, PoisonRecord) as exc:
                await self._refuse(candidate, exc)
        return priced

    def _charge(self, candidate: Candidate, templates: dict[int, TemplateInfo]) -> Charge:
        data = candidate.event.data
        if not 0 < data.account_id <= MAX_ACCOUNT_ID:
            raise PoisonRecord(f"account id {data.account_id} is out of range")
        template = templates.get(data.template_id) if data.template_id is not None else None
        if template is None and data.channel in _TEMPLATE_PRICED and data.template_id is not None:
            TEMPLATES_UNKNOWN.inc()
            log.warning(
                "template not found; priced by the channel's default",
                extra={"message_id": data.message_id, "account_id": data.account_id, "template_id": data.template_id},
            )
        pricing = price(data, template, home_region=self.home_region)
        return Charge(
            event_id=candidate.event.id,
            message_id=data.message_id,
            attempt=data.attempt,
            account_id=data.account_id,
            channel=data.channel.value,
            price_code=pricing.price_code.value,
            units=pricing.units,
        )

    async def _apply(
        self, priced: dict[tuple[str, int], tuple[Candidate, Charge]], ended: list[Candidate]
    ) -> tuple[list[AppliedCharge], list[AppliedRefund]]:
        charges = [charge for _, charge in priced.values()]
        refunds = {c.key: (c, _refund(c)) for c in ended}
        try:
            applied, refunded = await self.store.apply(charges, [refund for _, refund in refunds.values()])
        except DATA_ERRORS as exc:
            log.warning("batch refused by the database; charging it one by one", extra={"error": str(exc)})
            applied, refunded = [], []
            for candidate, charge in priced.values():
                try:
                    applied += (await self.store.apply([charge], []))[0]
                except DATA_ERRORS as one_exc:
                    await self._refuse(candidate, PoisonRecord(f"refused by the database: {one_exc}"))
            for candidate, refund in refunds.values():
                try:
                    refunded += (await self.store.apply([], [refund]))[1]
                except DATA_ERRORS as one_exc:
                    await self._refuse(candidate, PoisonRecord(f"refused by the database: {one_exc}"))
        self._count(charges, applied)
        for entry in refunded:
            REFUNDS.labels(entry.channel, "applied" if entry.new else "republished").inc()
            if entry.new:
                REFUNDED_AMOUNT.labels(entry.price_code).inc(entry.amount_minor)
        return applied, refunded

    def _count(self, charges: list[Charge], applied: list[AppliedCharge]) -> None:
        for entry in applied:
            CHARGES.labels(entry.channel, "applied" if entry.new else "republished").inc()
            if entry.new:
                CHARGED_AMOUNT.labels(entry.price_code).inc(entry.amount_minor)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "charged" if entry.new else "charge already applied; publishing it again",
                    extra={
                        "message_id": entry.message_id,
                        "account_id": entry.account_id,
                        "attempt": entry.attempt,
                        "price_code": entry.price_code,
                        "amount_minor": entry.amount_minor,
                    },
                )
        done = {(entry.message_id, entry.attempt) for entry in applied}
        for charge in charges:
            if (charge.message_id, charge.attempt) not in done:
                CHARGES.labels(charge.channel, "duplicate").inc()

    async def _publish(self, applied: list[AppliedCharge], refunded: list[AppliedRefund]) -> None:
        """One MessageChargedV1 per charge and per refund (the attempt's cost now: 0 once
        refunded); a charge refunded in this batch is not published, only its refund."""
        refunded_now = {(entry.message_id, entry.attempt) for entry in refunded}
        events = [_charged(entry) for entry in applied if (entry.message_id, entry.attempt) not in refunded_now]
        events += [_charged(entry) for entry in refunded]
        await self.publisher.publish_many((BILLING_CHARGED.name, event, event.message_id) for event in events)

    async def _refuse(self, candidate: Candidate, error: Exception) -> None:
        data = candidate.event.data
        log.error(
            "status event cannot be charged; sent to the dead-letter topic",
            extra={"message_id": data.message_id, "account_id": data.account_id, "error": str(error)},
        )
        await dead_letter(self.broker, candidate.record, error)
        CHARGES.labels(data.channel.value, "dead_lettered").inc()


def _refund(candidate: Candidate) -> Refund:
    data = candidate.event.data
    return Refund(
        event_id=candidate.event.id,
        message_id=data.message_id,
        attempt=data.attempt,
        account_id=data.account_id,
        channel=data.channel.value,
    )


def _charged(entry: AppliedCharge) -> MessageChargedV1:
    refund = isinstance(entry, AppliedRefund)
    return MessageChargedV1(
        message_id=entry.message_id,
        account_id=entry.account_id,
        attempt=entry.attempt,
        channel=Channel(entry.channel),
        price_code=entry.price_code,
        units=entry.units,
        amount_minor=0 if refund else entry.amount_minor,
        refunded_minor=entry.amount_minor if refund else 0,
        currency=entry.currency,
        balance_after_minor=entry.balance_after_minor,
        charged_at=entry.charged_at,
    )


def register_charging(
    broker: KafkaBroker,
    handler: ChargingHandler,
    kafka: KafkaSettings,
    *,
    group_id: str,
    max_records: int,
    batch_timeout_ms: int,
    linger_ms: int = 0,
) -> None:
    """The batch subscriber on msg.status: commits a batch's offsets only after its
    transaction committed and its charged events were acknowledged (NACK_ON_ERROR)."""

    @subscribe(
        broker,
        kafka.topic(MSG_STATUS.name),
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        linger_ms=linger_ms,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
    )
    async def charge_status_events(body: list[Any], msg: BatchMessage) -> None:
        await handler.handle(msg.raw_message)
