"""Which statuses of a call attempt go to Kafka, and the events that carry them.

An attempt's published statuses only move forward: SUBMITTED_OPERATOR (the call was
created), then one final status from the call's end. A final callback that arrives
before the SUBMITTED_OPERATOR event went out publishes that event first, so consumers
always see the attempt in order.
"""

from dataclasses import dataclass
from datetime import datetime

from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1, can_transition
from cpaas.voice_connector.providers import StatusMeaning


@dataclass(frozen=True)
class CallAttempt:
    """What a status event needs to know of the call (a row of `calls`)."""

    message_id: str
    attempt: int
    account_id: int
    recipient: str
    template_id: int
    campaign_id: int | None
    caller_id: str
    call_sid: str | None
    published_status: str | None
    accepted_at: datetime | None


@dataclass(frozen=True)
class Outcome:
    """A status to publish, with its failure details."""

    status: MessageStatus
    occurred_at: datetime
    error_code: ErrorCode | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None


def statuses_after(published: str | None, meaning: StatusMeaning) -> list[MessageStatus]:
    """The statuses a provider status adds to an attempt whose last published one is
    `published` (None: nothing yet). Progress, duplicates and late statuses add none."""
    if meaning.status is None:
        return []
    current = MessageStatus(published) if published else None
    added = [] if current else [MessageStatus.SUBMITTED_OPERATOR]
    if meaning.status is MessageStatus.SUBMITTED_OPERATOR:
        return added
    if can_transition(current or MessageStatus.SUBMITTED_OPERATOR, meaning.status):
        return [*added, meaning.status]
    return []


def plausible_time(reported: datetime, not_before: datetime | None, received: datetime) -> datetime:
    """The provider's time of a status when it is plausible, else when it arrived.

    Provider timestamps have whole-second resolution, so a status can seem to precede
    the call's creation; it must never precede the status before it, nor lie ahead.
    """
    if (not_before is None or reported >= not_before) and reported <= received:
        return reported
    return received


def status_event(call: CallAttempt, outcome: Outcome) -> MessageStatusChangedV1:
    return MessageStatusChangedV1(
        message_id=call.message_id,
        account_id=call.account_id,
        channel=Channel.VOICE,
        attempt=call.attempt,
        status=outcome.status,
        recipient=call.recipient,
        occurred_at=outcome.occurred_at,
        carrier_message_id=call.call_sid,
        error_code=outcome.error_code,
        error_detail=outcome.error_detail,
        carrier_error_code=outcome.carrier_error_code,
        sender_id=call.caller_id,
        template_id=call.template_id,
        campaign_id=call.campaign_id,
    )
