"""Channels and message statuses, and the rule of which status may follow which."""

from enum import StrEnum


class Channel(StrEnum):
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"
    RCS = "RCS"
    VOICE = "VOICE"

    @property
    def submit_topic_suffix(self) -> str:
        return self.value.lower()


class MessageStatus(StrEnum):
    """The seven statuses of the user guide's Reports section."""

    SUBMITTED = "SUBMITTED"
    SUBMITTED_OPERATOR = "SUBMITTED_OPERATOR"
    DELIVERED = "DELIVERED"
    READ = "READ"
    RETRYING = "RETRYING"
    FAILED = "FAILED"
    UNDELIVERED = "UNDELIVERED"

    @property
    def is_final(self) -> bool:
        """The attempt is over (only the router's FAILED may still follow an UNDELIVERED)."""
        return self in _FINAL

    @property
    def is_failure(self) -> bool:
        return self in (MessageStatus.FAILED, MessageStatus.UNDELIVERED)


_FINAL = frozenset({MessageStatus.READ, MessageStatus.FAILED, MessageStatus.UNDELIVERED})  # see UNDELIVERED below

# Within one attempt (one channel level of a message) a status only moves forward along
# these edges. RETRYING opens the next attempt, so it is the first status of that attempt
# (written by the fallback router) and is followed by the connector's statuses.
ALLOWED_TRANSITIONS: dict[MessageStatus, frozenset[MessageStatus]] = {
    MessageStatus.SUBMITTED: frozenset(
        {
            MessageStatus.SUBMITTED_OPERATOR,
            MessageStatus.DELIVERED,
            MessageStatus.READ,
            MessageStatus.FAILED,
            MessageStatus.UNDELIVERED,
        }
    ),
    MessageStatus.RETRYING: frozenset(
        {
            MessageStatus.SUBMITTED,
            MessageStatus.SUBMITTED_OPERATOR,
            MessageStatus.DELIVERED,
            MessageStatus.READ,
            MessageStatus.FAILED,
            MessageStatus.UNDELIVERED,
        }
    ),
    MessageStatus.SUBMITTED_OPERATOR: frozenset(
        {
            MessageStatus.DELIVERED,
            MessageStatus.READ,
            MessageStatus.FAILED,
            MessageStatus.UNDELIVERED,
        }
    ),
    MessageStatus.DELIVERED: frozenset({MessageStatus.READ}),
    MessageStatus.READ: frozenset(),
    MessageStatus.FAILED: frozenset(),
    # the fallback router marks a message FAILED once its last level ended UNDELIVERED
    MessageStatus.UNDELIVERED: frozenset({MessageStatus.FAILED}),
}


# The error code of an attempt ended by its receipt deadline rather than by the carrier
# (cpaas.contracts.errors.ErrorCode.RECEIPT_EXPIRED; a plain string so this module stays
# free of the error list). Such an ending is provisional: a receipt that comes later is
# the truth, so it supersedes the expiry (and the router's FAILED that followed it).
RECEIPT_EXPIRED = "RECEIPT_EXPIRED"
_RECEIPT_RESULTS = frozenset(
    {MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.UNDELIVERED, MessageStatus.FAILED}
)


def is_expiry(status: MessageStatus, error_code: str | None) -> bool:
    """True for an attempt ended by its receipt deadline (UNDELIVERED, or the router's FAILED
    after it), which a late receipt may still correct."""
    return status.is_failure and error_code == RECEIPT_EXPIRED


def can_transition(
    current: MessageStatus,
    new: MessageStatus,
    *,
    current_error: str | None = None,
    new_error: str | None = None,
) -> bool:
    """True when `new` may follow `current` within the same attempt.

    Without error codes this is the plain forward order. With them, an attempt that ended
    by expiry (`is_expiry`) takes the carrier's real outcome when it arrives late, and an
    expiry never replaces a real outcome. The order of arrival does not matter: every
    order of the same events ends in the same status.
    """
    current_expired = is_expiry(current, current_error)
    if is_expiry(new, new_error):
        if current_expired:  # the router's FAILED after the connector's expiry
            return new in ALLOWED_TRANSITIONS[current]
        return new in ALLOWED_TRANSITIONS[current] and not current.is_failure
    if current_expired:
        return new in _RECEIPT_RESULTS
    return new in ALLOWED_TRANSITIONS[current]


def supersedes(
    current_attempt: int,
    current: MessageStatus,
    new_attempt: int,
    new: MessageStatus,
    *,
    current_error: str | None = None,
    new_error: str | None = None,
) -> bool:
    """True when a status event should replace the message's current status.

    A later attempt (a fallback level) replaces an earlier one; within one attempt the
    status only moves forward (or corrects an expiry, see `can_transition`). Duplicates and
    late events of an earlier attempt change nothing, so applying the same stream twice or
    out of order converges.
    """
    if new_attempt != current_attempt:
        return new_attempt > current_attempt
    return can_transition(current, new, current_error=current_error, new_error=new_error)
