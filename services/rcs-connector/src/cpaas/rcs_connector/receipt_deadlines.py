"""Receipt deadlines: an accepted RCS message whose DELIVERED never comes ends UNDELIVERED.

RBM has no "undelivered" event and no call that tells whether a message was delivered
(it holds a message for an offline user up to 30 days), so an accepted attempt with no
DELIVERED or READ at its deadline is ended with UNDELIVERED / RECEIPT_EXPIRED, published
before its mark commits (the platform's `DeadlineSweeper` runs the loop: batches, SKIP
LOCKED, retries, metrics). The mark takes the attempt out of every later sweep, so it
expires once; a DELIVERED that comes later is recorded and published as usual
(consumers let it supersede the expiry).
"""

from datetime import UTC, datetime

import asyncpg

from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.deadlines import EXPIRED, DeadlineSweeper, expiry_detail
from cpaas.rcs_connector.store import OverdueSend, RcsStore


def receipt_sweeper(
    store: RcsStore, publisher: EventPublisher, *, service: str, every_seconds: float
) -> DeadlineSweeper:
    async def expire_overdue(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        overdue = await store.claim_overdue(conn, limit)
        if overdue:
            now = datetime.now(UTC)
            await publisher.publish_many((MSG_STATUS.name, expired(o, now), o.message_id) for o in overdue)
            await store.mark_expired(conn, [o.key for o in overdue])
        return {EXPIRED: len(overdue)}

    return DeadlineSweeper(store.pool, expire_overdue, service=service, every_seconds=every_seconds)


def expired(send: OverdueSend, at: datetime) -> MessageStatusChangedV1:
    return MessageStatusChangedV1(
        message_id=send.message_id,
        account_id=send.account_id,
        channel=Channel.RCS,
        attempt=send.attempt,
        status=MessageStatus.UNDELIVERED,
        recipient=send.recipient,
        occurred_at=at,
        carrier_message_id=send.provider_message_id,
        error_code=ErrorCode.RECEIPT_EXPIRED,
        error_detail=expiry_detail(send.deadline_seconds),
        sender_id=send.sender_id,
        template_id=send.template_id,
        campaign_id=send.campaign_id,
    )
