"""Status events of a send: what every connector publishes on msg.status.

A provider's statuses map onto ours in one table per provider (courier's
`statusMapping`); each entry is a `StatusMeaning`. The events are built here from the
attempt's row, so every connector's events carry the same fields the same way.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from cpaas.connector_kit.sends import ACCEPTED, OverdueSend, Send
from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1
from cpaas.platform.deadlines import expiry_detail

_UNSET = object()


@dataclass(frozen=True)
class StatusMeaning:
    """What a provider's status means for the message attempt. `status` None: progress
    only (recorded, not published), or an intermediate receipt a final one follows."""

    status: MessageStatus | None
    error_code: ErrorCode | None = None

    @property
    def is_final(self) -> bool:
        return self.status is not None


def status_event(
    channel: Channel,
    send: Send,
    status: MessageStatus,
    occurred_at: datetime,
    *,
    error_code: ErrorCode | None = None,
    error_detail: str | None = None,
    carrier_error_code: str | None = None,
    carrier_message_id: str | object | None = _UNSET,
    fallback_remaining: int | None = None,
) -> MessageStatusChangedV1:
    """The event of one status of an attempt; its carrier message id is the row's unless given."""
    return MessageStatusChangedV1(
        message_id=send.message_id,
        account_id=send.account_id,
        channel=channel,
        attempt=send.attempt,
        status=status,
        recipient=send.recipient,
        occurred_at=occurred_at,
        carrier_message_id=send.provider_message_id if carrier_message_id is _UNSET else carrier_message_id,
        error_code=error_code,
        error_detail=error_detail,
        carrier_error_code=carrier_error_code,
        segments=send.segments,
        sender_id=send.sender_id,
        template_id=send.template_id,
        campaign_id=send.campaign_id,
        fallback_remaining=fallback_remaining,
    )


def first_status(
    channel: Channel, send: Send, *, fallback_remaining: int | None = None, refusal_carries_id: bool = True
) -> MessageStatusChangedV1:
    """SUBMITTED_OPERATOR for an accepted attempt, FAILED (with why) for a refused one.
    `refusal_carries_id` False: a refusal has no carrier message id even when the row has
    one (the provider's id was fixed before the send)."""
    at = send.sent_at or datetime.now(UTC)
    if send.state == ACCEPTED:
        return status_event(channel, send, MessageStatus.SUBMITTED_OPERATOR, at, fallback_remaining=fallback_remaining)
    return status_event(
        channel,
        send,
        MessageStatus.FAILED,
        at,
        error_code=ErrorCode(send.error_code) if send.error_code else ErrorCode.CARRIER_REJECTED,
        error_detail=send.error_detail,
        carrier_error_code=send.carrier_error_code,
        carrier_message_id=send.provider_message_id if refusal_carries_id else None,
        fallback_remaining=fallback_remaining,
    )


def expired_status(
    channel: Channel, send: OverdueSend, at: datetime, *, carrier_error_code: str | None = None
) -> MessageStatusChangedV1:
    """UNDELIVERED / RECEIPT_EXPIRED: "expired, no receipt within <n> s"."""
    return status_event(
        channel,
        send,
        MessageStatus.UNDELIVERED,
        at,
        error_code=ErrorCode.RECEIPT_EXPIRED,
        error_detail=expiry_detail(send.deadline_seconds),
        carrier_error_code=carrier_error_code,
    )
