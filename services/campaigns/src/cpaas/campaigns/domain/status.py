"""A campaign's statuses (the guide's five, plus PAUSED and CANCELLED) and which action
may move it where. Pure."""

from enum import StrEnum


class CampaignStatus(StrEnum):
    CREATED = "CREATED"  # the file is stored; its rows are being validated
    QUEUED = "QUEUED"  # validated; waiting for its start (schedule, quiet hours, its turn)
    PROCESSING = "PROCESSING"  # messages are being sent, at the campaign's pace
    COMPLETED = "COMPLETED"  # every row was sent or refused
    FAILED = "FAILED"  # the file could not be used (status_reason says why)
    PAUSED = "PAUSED"  # stopped by the user or for a reason (pause_code); resume goes on
    CANCELLED = "CANCELLED"  # stopped for good by the user


class PauseCode(StrEnum):
    BY_USER = "BY_USER"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    TEMPLATE_NOT_SENDABLE = "TEMPLATE_NOT_SENDABLE"  # no longer approved, or its channel identity inactive
    SENDER_ID_NOT_APPROVED = "SENDER_ID_NOT_APPROVED"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"


class Action(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


RUNNABLE = frozenset({CampaignStatus.QUEUED, CampaignStatus.PROCESSING})
ACTIVE = frozenset({CampaignStatus.CREATED, *RUNNABLE})  # the dispatcher has work in these
FINAL = frozenset({CampaignStatus.COMPLETED, CampaignStatus.FAILED, CampaignStatus.CANCELLED})

ALLOWED_FROM: dict[Action, frozenset[CampaignStatus]] = {
    Action.PAUSE: frozenset({CampaignStatus.CREATED, CampaignStatus.QUEUED, CampaignStatus.PROCESSING}),
    Action.RESUME: frozenset({CampaignStatus.PAUSED}),
    Action.CANCEL: frozenset(
        {CampaignStatus.CREATED, CampaignStatus.QUEUED, CampaignStatus.PROCESSING, CampaignStatus.PAUSED}
    ),
}


def target_of(action: Action, validated: bool) -> CampaignStatus:
    """Where `action` takes a campaign; a resumed one whose file is still unread restarts
    its validation (CREATED), any other waits for the dispatcher (QUEUED)."""
    if action is Action.PAUSE:
        return CampaignStatus.PAUSED
    if action is Action.CANCEL:
        return CampaignStatus.CANCELLED
    return CampaignStatus.QUEUED if validated else CampaignStatus.CREATED


def refusal(action: Action, status: CampaignStatus) -> str | None:
    """Why `action` cannot apply to a campaign in `status`; None when it can."""
    if status in ALLOWED_FROM[action]:
        return None
    return f"a {status} campaign cannot be {'cancelled' if action is Action.CANCEL else action.value + 'd'}"
