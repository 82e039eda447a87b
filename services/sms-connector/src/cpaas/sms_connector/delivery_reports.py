"""Delivery receipts (DLRs) to status events, in batches.

Receipts are collected for `receipt_batch_seconds` (up to `receipt_batch_max`), applied
in one transaction, and the final statuses they complete are published before that
transaction commits, so a message is marked FINAL only once its status is in Kafka.
A receipt whose carrier id is unknown (its submit_sm_resp is not written yet, or its
submission not yet announced) is parked and retried for `receipt_park_seconds`, then
logged and dropped. A receipt that failed to apply (database or Kafka down) is retried
until it applies.

smpp34 answers each deliver_sm as it reads it, so a receipt read but not yet applied
when the process dies is lost (the SMSC will not send it again).
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import bind_log_context
from cpaas.sms_connector.domain.receipts import Receipt
from cpaas.sms_connector.domain.statuses import final_status, receipt_meaning
from cpaas.sms_connector.metrics import RECEIPT_OUTCOMES
from cpaas.sms_connector.store import Finished, SmsStore

log = logging.getLogger(__name__)
PARK_RETRY_SECONDS = 0.01  # a receipt usually waits only for its own submit to be announced (ms)
FAILURE_PAUSE_SECONDS = 1.0
IDLE_POLL_SECONDS = 0.25  # how often an idle loop looks at parked receipts and at stop()


class DeliveryReportProcessor:
    def __init__(
        self,
        receipts: asyncio.Queue[Receipt],
        store: SmsStore,
        publisher: EventPublisher,
        *,
        batch_seconds: float,
        batch_max: int,
        park_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.receipts = receipts
        self.store = store
        self.publisher = publisher
        self.batch_seconds, self.batch_max, self.park_seconds = batch_seconds, batch_max, park_seconds
        self.clock = clock
        self._parked: dict[str, tuple[Receipt, float]] = {}  # carrier id -> (receipt, first parked)
        self._failed: list[Receipt] = []  # to apply again after a failure
        self._next_park_retry = 0.0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-reports")

    async def stop(self) -> None:
        """Apply what is queued, then stop; parked receipts are logged and dropped."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        if self._parked:
            log.warning("receipts for unknown messages dropped at shutdown", extra={"count": len(self._parked)})

    async def _run(self) -> None:
        while not (self._stopping.is_set() and self.receipts.empty()):
            batch = await self._collect()
            if self.clock() >= self._next_park_retry:
                batch += [receipt for receipt, _ in self._parked.values()]
                self._next_park_retry = self.clock() + PARK_RETRY_SECONDS
            batch += self._failed
            self._failed = []
            if batch:
                await self._apply(batch)
        leftover = [receipt for receipt, _ in self._parked.values()] + self._failed
        if leftover:  # one last try before stopping
            await self._apply(leftover)

    async def _collect(self) -> list[Receipt]:
        batch: list[Receipt] = []
        if not self.receipts.empty():
            batch.append(self.receipts.get_nowait())
        elif self._stopping.is_set():
            return batch
        else:
            wait = PARK_RETRY_SECONDS if self._parked or self._failed else IDLE_POLL_SECONDS
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

    async def _apply(self, batch: list[Receipt]) -> None:
        final: dict[str, Receipt] = {}
        for receipt in batch:
            if receipt_meaning(receipt.stat).is_final:
                final[receipt.carrier_message_id] = receipt  # a later duplicate replaces an earlier one
            else:
                RECEIPT_OUTCOMES.labels("intermediate").inc()
        if not final:
            return
        try:
            known = await self.store.apply_receipts(list(final.values()), self._publish)
        except Exception:
            log.exception("applying delivery receipts failed; retrying", extra={"count": len(final)})
            self._failed = list(final.values())
            await asyncio.sleep(FAILURE_PAUSE_SECONDS)
            return
        self._settle(final, known)

    def _settle(self, final: dict[str, Receipt], known: set[str]) -> None:
        now = self.clock()
        for carrier_id, receipt in final.items():
            parked = self._parked.pop(carrier_id, None)
            if carrier_id in known:
                RECEIPT_OUTCOMES.labels("applied").inc()
                continue
            first_parked = parked[1] if parked else now
            if now - first_parked < self.park_seconds:
                self._parked[carrier_id] = (receipt, first_parked)
                if parked is None:
                    RECEIPT_OUTCOMES.labels("parked").inc()
            else:
                RECEIPT_OUTCOMES.labels("dropped_unknown").inc()
                log.warning(
                    "receipt for an unknown carrier message id dropped", extra={"carrier_message_id": carrier_id}
                )

    async def _publish(self, finished: list[Finished]) -> None:
        events = [_final_event(f) for f in finished]
        for event in events:
            with bind_log_context(message_id=event.message_id, account_id=event.account_id):
                log.log(
                    logging.DEBUG if event.status is MessageStatus.DELIVERED else logging.INFO,
                    "final status from the delivery receipts",
                    extra={"status": event.status.value, "carrier_error_code": event.carrier_error_code},
                )
        await self.publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in events)


def _final_event(f: Finished) -> MessageStatusChangedV1:
    outcome = final_status(f.stats, f.errors)
    occurred_at: datetime | None = f.last_receipt_at or f.submitted_at
    assert occurred_at is not None
    return MessageStatusChangedV1(
        message_id=f.message_id,
        account_id=f.account_id,
        channel=Channel.SMS,
        attempt=f.attempt,
        status=outcome.status,
        recipient=f.recipient,
        occurred_at=occurred_at,
        carrier_message_id=f.carrier_message_id,
        error_code=outcome.error_code,
        error_detail=outcome.error_detail,
        carrier_error_code=outcome.carrier_error_code,
        segments=f.segments,
        sender_id=f.sender_id,
        template_id=f.template_id,
        campaign_id=f.campaign_id,
    )
