"""Which statuses of a call attempt go to Kafka, and when.

An attempt's published statuses only move forward: SUBMITTED_OPERATOR (the call was
created), then one final status from the call's end. A final callback that arrives
before the SUBMITTED_OPERATOR event went out publishes that event first, so consumers
always see the attempt in order.
"""

from dataclasses import dataclass
from datetime import datetime

from cpaas.connector_kit.statuses import StatusMeaning
from cpaas.contracts import ErrorCode, MessageStatus, can_transition


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
