"""Receipt deadlines: an accepted SMS whose receipts never come is asked about, then ended.

Every accepted message has a receipt deadline: its submit_sm_resp time plus the validity
period sent in its submit_sm plus `receipt_grace_seconds` (a real SMSC sends an EXPIRED
receipt when the validity period lapses; the grace covers its delay). Every
`receipt_sweep_seconds` the platform's `DeadlineSweeper` calls `sweep_batch`, which takes
a batch of messages past their deadline (`FOR UPDATE SKIP LOCKED`: replicas share the
work) and, per message, asks the SMSC with query_sm about each segment that has no final
receipt (message_id = its carrier id, source_addr = the sender ID):

- every such segment answered with a final state (DELIVERED, EXPIRED, DELETED,
  UNDELIVERABLE, REJECTED): the answers are applied as the receipts they stand for, and
  the message ends as a receipt would end it (one final status, published before its
  FINAL mark commits);
- otherwise (ENROUTE, ACCEPTED, UNKNOWN, a refused or failed query, no bind): the message
  ends UNDELIVERED / RECEIPT_EXPIRED, "expired, no receipt within <n> s", published
  before `receipt_expired_at` commits. Segments that did answer keep their answer. The
  message stays SUBMITTED, so a receipt that comes later still finishes it and
  publishes its real final status for the same attempt (consumers let it supersede the
  expiry).

The submissions stay locked while their segments are asked about (a batch of at most
`SWEEP_BATCH_ROWS`, each query bounded by `submit_timeout_seconds`); a receipt for one
of them waits for that.
"""

import asyncio
import logging
from datetime import UTC, datetime

import asyncpg

from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.deadlines import EXPIRED, DeadlineSweeper, expiry_detail
from cpaas.sms_connector.delivery_reports import publish_final_statuses
from cpaas.sms_connector.domain.receipts import Receipt, receipt_from_query
from cpaas.sms_connector.domain.statuses import MESSAGE_STATE_STAT
from cpaas.sms_connector.metrics import QUERIES
from cpaas.sms_connector.smpp import SendError, SmppCarrier
from cpaas.sms_connector.smpp.model import source_address
from cpaas.sms_connector.store import Finished, Overdue, SmsStore

log = logging.getLogger(__name__)
ANSWERED_FINAL = "answered_final"  # every awaited segment's query answered a final state
SWEEP_BATCH_ROWS = 200  # messages locked per round while their segments are asked about


def receipt_sweeper(
    store: SmsStore, carrier: SmppCarrier, publisher: EventPublisher, *, service: str, every_seconds: float
) -> DeadlineSweeper:
    async def publish_finished(finished: list[Finished]) -> None:
        await publish_final_statuses(publisher, finished)

    async def sweep_batch(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        overdue = await store.claim_overdue(conn, limit)
        if not overdue:
            return {}
        answers = await asyncio.gather(*(ask(carrier, o, carrier_id) for o in overdue for carrier_id in o.awaited))
        _, finished = await store.apply_on(conn, [r for r in answers if r is not None], publish_finished)
        ended = [o for o in overdue if o.key not in finished]
        if ended:
            now = datetime.now(UTC)
            await publisher.publish_many((MSG_STATUS.name, expired(o, now), o.message_id) for o in ended)
            await store.mark_expired(conn, [o.key for o in ended])
        return {ANSWERED_FINAL: len(overdue) - len(ended), EXPIRED: len(ended)}

    return DeadlineSweeper(
        store.pool, sweep_batch, service=service, every_seconds=every_seconds, batch_rows=SWEEP_BATCH_ROWS
    )


async def ask(carrier: SmppCarrier, message: Overdue, carrier_id: str) -> Receipt | None:
    """The receipt a query_sm answer stands for; None when it gives no final outcome."""
    sender = message.sender_id or ""
    ton, npi = source_address(sender)
    try:
        answer = await carrier.query(carrier_id, sender, ton, npi)
    except SendError as exc:
        QUERIES.labels("failed").inc()
        log.info("query_sm not answered", extra={"carrier_message_id": carrier_id, "error": str(exc)})
        return None
    QUERIES.labels(MESSAGE_STATE_STAT.get(answer.message_state, "OTHER")).inc()
    return receipt_from_query(carrier_id, answer.message_state, answer.error_code, answer.final_date, datetime.now(UTC))


def expired(message: Overdue, at: datetime) -> MessageStatusChangedV1:
    return MessageStatusChangedV1(
        message_id=message.message_id,
        account_id=message.account_id,
        channel=Channel.SMS,
        attempt=message.attempt,
        status=MessageStatus.UNDELIVERED,
        recipient=message.recipient,
        occurred_at=at,
        carrier_message_id=message.carrier_message_id,
        error_code=ErrorCode.RECEIPT_EXPIRED,
        error_detail=expiry_detail(message.deadline_seconds),
        segments=message.segments,
        sender_id=message.sender_id,
        template_id=message.template_id,
        campaign_id=message.campaign_id,
    )
