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


def can_transition(current: MessageStatus, new: MessageStatus) -> bool:
    """True when `new` may follow `current` within the same attempt."""
    return new in ALLOWED_TRANSITIONS[current]


def supersedes(current_attempt: int, current: MessageStatus, new_attempt: int, new: MessageStatus) -> bool:
    """True when a status event should replace the message's current status.

    A later attempt (a fallback level) replaces an earlier one; within one attempt the
    status only moves forward. Duplicates and late events of an earlier attempt change
    nothing, so applying the same stream twice or out of order converges.
    """
    if new_attempt != current_attempt:
        return new_attempt > current_attempt
    return can_transition(current, new)
