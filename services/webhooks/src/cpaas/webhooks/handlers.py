"""The msg.status subscriber: turns status events into queued receipts, and nothing more.

It never waits on a customer: it writes one delivery row per notified event (one
statement per batch) and wakes the dispatcher. Offsets are committed only after that
insert has committed (NACK_ON_ERROR); a transient error rewinds the batch, which is
harmless because a receipt is unique per event id and per (message, attempt, status).
A record that is not a valid status event goes to msg.status.dlq alone.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.contracts import CloudEvent, MessageStatus, MessageStatusChangedV1
from cpaas.control_plane import ControlPlane
from cpaas.platform.broker import BatchMessage, decode_batch, subscribe
from cpaas.platform.started import Started
from cpaas.webhooks.domain import NOTIFIED_STATUSES, event_id, receipt_payload
from cpaas.webhooks.metrics import STATUS_EVENTS
from cpaas.webhooks.store import DeliveryStore, NewDelivery

log = logging.getLogger(__name__)
FAILURES = frozenset({MessageStatus.FAILED, MessageStatus.UNDELIVERED})
MAX_LEVELS = 3  # a primary and up to 2 fallback levels


def new_delivery(event: CloudEvent[MessageStatusChangedV1], url: str) -> NewDelivery:
    data = event.data
    return NewDelivery(
        event_id=event_id(event),
        account_id=data.account_id,
        message_id=data.message_id,
        message_attempt=data.attempt,
        message_status=data.status.value,
        url=url,
        payload=orjson.dumps(receipt_payload(event)).decode(),
    )


class ReceiptQueue:
    def __init__(
        self, broker: KafkaBroker, store: DeliveryStore, control: ControlPlane, on_queued: Callable[[], None]
    ) -> None:
        self.broker, self.store, self.control, self.on_queued = broker, store, control, on_queued

    async def handle(self, records: Sequence[ConsumerRecord]) -> None:
        """Queue the receipts of one poll's records; returns once they are committed."""
        events = await decode_batch(self.broker, MessageStatusChangedV1, records)
        notified = await self._final_for_the_customer([e for e in events if e.data.status in NOTIFIED_STATUSES])
        if len(notified) < len(events):
            STATUS_EVENTS.labels("not_notified").inc(len(events) - len(notified))
        if not notified:
            return
        accounts = await self.control.accounts({e.data.account_id for e in notified})
        enabled = [e for e in notified if (a := accounts.get(e.data.account_id)) is not None and a.webhook_enabled]
        STATUS_EVENTS.labels("no_webhook").inc(len(notified) - len(enabled))
        deliveries = {event_id(e): new_delivery(e, accounts[e.data.account_id].webhook_url) for e in enabled}
        queued = await self.store.insert(list(deliveries.values()))
        STATUS_EVENTS.labels("queued").inc(queued)
        STATUS_EVENTS.labels("duplicate").inc(len(enabled) - queued)
        if queued:
            log.debug("receipts queued", extra={"count": queued})
            self.on_queued()

    async def _final_for_the_customer(
        self, events: list[CloudEvent[MessageStatusChangedV1]]
    ) -> list[CloudEvent[MessageStatusChangedV1]]:
        """Drop the failure of an attempt that a fallback level follows: the guide's FAILED
        means every channel failed, and the router is about to try the next one. The event
        says so when its connector knew (a send failed at once); otherwise the router's
        chain tells how many levels the message has."""
        unknown = [
            e.data.message_id
            for e in events
            if e.data.status in FAILURES and e.data.fallback_remaining is None and e.data.attempt < MAX_LEVELS
        ]
        levels = await self.store.fallback_levels(unknown) if unknown else {}
        kept = []
        for event in events:
            data = event.data
            if data.status in FAILURES:
                remaining = data.fallback_remaining
                if remaining is None:
                    remaining = max(0, levels.get(data.message_id, 0) - data.attempt)
                if remaining > 0:
                    STATUS_EVENTS.labels("fallback_follows").inc()
                    continue
            kept.append(event)
        return kept


def register_receipt_queue(
    broker: KafkaBroker, queue: Started[ReceiptQueue], *, topic: str, group_id: str, **batch: Any
) -> None:
    """The subscriber, registered when the app is built; the queue exists once the lifespan
    started it (cpaas.platform.started: a batch before that raises, nothing is committed)."""

    @subscribe(broker, topic, group_id=group_id, ack_policy=AckPolicy.NACK_ON_ERROR, batch=True, **batch)
    async def receipts(body: list[Any], msg: BatchMessage) -> None:
        await queue().handle(msg.raw_message)
