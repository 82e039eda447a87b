"""Delivery receipts (DLRs) to status events, in batches; each receipt acknowledged to
the provider only once it is durable.

Receipts are collected for `receipt_batch_seconds` (up to `receipt_batch_max`), applied
in one transaction, and the final statuses they complete are published before that
transaction commits, so a message is marked FINAL only once its status is in Kafka.

Guarantee: a receipt is acknowledged only once durable. A final receipt is acknowledged
after the transaction that stored it (or found it stored already) committed; an
intermediate one (the provider's mapping table says it is not final) at once, as nothing
of it is kept. Until then the provider holds the receipt: if this process dies, it sends
it again (an SMSC: when the session ends, to another bind or the next one, and after its
response timer), and it is applied then (a duplicate changes nothing).

A receipt whose carrier id is not known (its send's result not written yet, or its
send not yet announced: usually milliseconds) is held, unacknowledged, and retried
every few ms for `receipt_hold_seconds`; then it is parked in `parked_receipts` (in the
transaction of its batch) and acknowledged. A provider counts unanswered receipts
against its window and resends them after its response timer (an SMSC: typically
30-60 s), so a receipt is not held past a few seconds. Parked receipts are applied as
soon as their send is known (looked for every second) and dropped after
`receipt_park_seconds`. A batch that failed to apply (database or Kafka down) is
retried, unacknowledged, until it applies.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from cpaas.connector_kit.statuses import StatusMeaning, status_event
from cpaas.connector_kit.unmatched import UNKNOWN_MESSAGE, unmatched
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import bind_log_context
from cpaas.sms_connector.domain.statuses import final_status
from cpaas.sms_connector.metrics import RECEIPT_OUTCOMES, RECEIPTS_HELD
from cpaas.sms_connector.providers.base import InboundReceipt, Receipt
from cpaas.sms_connector.store import Finished, SmsStore

log = logging.getLogger(__name__)
HOLD_RETRY_SECONDS = 0.01  # a receipt usually waits only for its own submit to be announced (ms)
PARKED_RETRY_SECONDS = 1.0  # how often parked receipts are looked at
FAILURE_PAUSE_SECONDS = 1.0
IDLE_POLL_SECONDS = 0.25  # how often an idle loop looks at held receipts and at stop()


@dataclass
class Held:
    """A final receipt not applied yet, with the acks of every delivery that carried it
    (the provider may send the same receipt again while we hold it)."""

    receipt: Receipt
    first_seen: float
    acks: list[Callable[[], None]] = field(default_factory=list)

    def acknowledge(self) -> None:
        for ack in self.acks:
            ack()


def _merge(into: dict[str, Held], held: Held) -> None:
    carrier_id = held.receipt.carrier_message_id
    earlier = into.get(carrier_id)
    if earlier is None:
        into[carrier_id] = held
        return
    earlier.receipt = held.receipt  # a later duplicate replaces an earlier one
    earlier.first_seen = min(earlier.first_seen, held.first_seen)
    earlier.acks.extend(held.acks)


class DeliveryReportProcessor:
    def __init__(
        self,
        receipts: asyncio.Queue[InboundReceipt],
        store: SmsStore,
        publisher: EventPublisher,
        meaning: Callable[[str], StatusMeaning],
        *,
        batch_seconds: float,
        batch_max: int,
        hold_seconds: float,
        park_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.receipts = receipts
        self.store = store
        self.publisher = publisher
        self.meaning = meaning
        self.batch_seconds, self.batch_max = batch_seconds, batch_max
        self.hold_seconds, self.park_seconds = hold_seconds, park_seconds
        self.clock = clock
        self._held: dict[str, Held] = {}  # unknown carrier id, unacknowledged
        self._failed: dict[str, Held] = {}  # to apply again after a failure, unacknowledged
        self._next_hold_retry = 0.0
        self._next_parked_retry = 0.0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-reports")

    async def stop(self) -> None:
        """Apply what is queued, park what is still unknown, then stop. Nothing can be
        acknowledged any more (the provider is stopped first): it sends those receipts
        again once connected anew, and they are found stored."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not (self._stopping.is_set() and self.receipts.empty()):
            pending = self._finals(await self._collect())
            if self.clock() >= self._next_hold_retry and self._held:
                for held in self._held.values():
                    _merge(pending, held)
                self._held = {}
                self._next_hold_retry = self.clock() + HOLD_RETRY_SECONDS
            for held in self._failed.values():
                _merge(pending, held)
            self._failed = {}
            if pending:
                await self._apply(pending)
            if self.clock() >= self._next_parked_retry:
                await self._retry_parked()
                self._next_parked_retry = self.clock() + PARKED_RETRY_SECONDS
        leftover = {**self._held, **self._failed}
        self._held, self._failed = {}, {}
        if leftover:  # one last try before stopping; what is still unknown is parked
            await self._apply(leftover, park_all=True)
        RECEIPTS_HELD.set(0)

    def _finals(self, batch: list[InboundReceipt]) -> dict[str, Held]:
        """The final receipts of a batch by carrier id; intermediate ones are answered now."""
        now = self.clock()
        finals: dict[str, Held] = {}
        for item in batch:
            if self.meaning(item.receipt.stat).is_final:
                _merge(finals, Held(item.receipt, now, [item.ack]))
            else:
                RECEIPT_OUTCOMES.labels("intermediate").inc()
                item.ack()
        return finals

    async def _collect(self) -> list[InboundReceipt]:
        batch: list[InboundReceipt] = []
        if not self.receipts.empty():
            batch.append(self.receipts.get_nowait())
        elif self._stopping.is_set():
            return batch
        else:
            wait = HOLD_RETRY_SECONDS if self._held or self._failed else IDLE_POLL_SECONDS
            try:
                batch.append(await asyncio.wait_for(self.receipts.get(), wait))
            except TimeoutError:
                return batch
        deadline = self.clock() + self.batch_seconds
        while len(batch) < self.batch_max:
            if not self.receipts.empty():
                batch.append(self.receipts.get_nowait())
                continue
            remaining = deadline - self.clock()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                batch.append(await asyncio.wait_for(self.receipts.get(), remaining))
        return batch

    async def _apply(self, pending: dict[str, Held], *, park_all: bool = False) -> None:
        now = self.clock()
        park = [h.receipt for h in pending.values() if park_all or now - h.first_seen >= self.hold_seconds]
        try:
            known, parked = await self.store.apply_receipts(
                [h.receipt for h in pending.values()], self._publish, park=park
            )
        except Exception:
            log.exception("applying delivery receipts failed; retrying", extra={"count": len(pending)})
            self._failed = pending
            await asyncio.sleep(FAILURE_PAUSE_SECONDS)
            return
        self._settle(pending, known, parked)

    def _settle(self, pending: dict[str, Held], known: set[str], parked: set[str]) -> None:
        """After the commit: acknowledge what is durable, hold the rest."""
        for carrier_id, held in pending.items():
            if carrier_id in known:
                RECEIPT_OUTCOMES.labels("applied").inc()
                held.acknowledge()
            elif carrier_id in parked:
                RECEIPT_OUTCOMES.labels("parked").inc()
                held.acknowledge()
            else:
                self._held[carrier_id] = held
        RECEIPTS_HELD.set(len(self._held))

    async def _retry_parked(self) -> None:
        try:
            applied = await self.store.apply_parked(self._publish, self.batch_max)
            dropped = await self.store.drop_parked(self.park_seconds, self.batch_max)
        except Exception:
            log.exception("applying parked delivery receipts failed; retrying")
            return
        RECEIPT_OUTCOMES.labels("applied_from_parked").inc(applied)
        if dropped:
            RECEIPT_OUTCOMES.labels("dropped_unknown").inc(len(dropped))
            # answered (deliver_sm_resp) long ago; never matched a send of ours
            unmatched("sms-connector", UNKNOWN_MESSAGE, len(dropped), carrier_message_ids=dropped[:10])

    async def _publish(self, finished: list[Finished]) -> None:
        await publish_final_statuses(self.publisher, finished, self.meaning)


async def publish_final_statuses(
    publisher: EventPublisher, finished: list[Finished], meaning: Callable[[str], StatusMeaning]
) -> None:
    """The final status of each message its receipts finished, pipelined (before the
    caller's transaction marks them FINAL); `meaning`: the provider's mapping table."""
    events = [_final_event(f, meaning) for f in finished]
    for event in events:
        with bind_log_context(message_id=event.message_id, account_id=event.account_id):
            log.log(
                logging.DEBUG if event.status is MessageStatus.DELIVERED else logging.INFO,
                "final status from the delivery receipts",
                extra={"status": event.status.value, "carrier_error_code": event.carrier_error_code},
            )
    await publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in events)


def _final_event(f: Finished, meaning: Callable[[str], StatusMeaning]) -> MessageStatusChangedV1:
    outcome = final_status(f.stats, f.errors, meaning)
    occurred_at: datetime | None = f.last_receipt_at or f.sent_at
    assert occurred_at is not None
    return status_event(
        Channel.SMS,
        f,
        outcome.status,
        occurred_at,
        error_code=outcome.error_code,
        error_detail=outcome.error_detail,
        carrier_error_code=outcome.carrier_error_code,
    )
