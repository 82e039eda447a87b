"""What the router decides for a fallback chain, without I/O.

A chain is the primary level plus up to two fallback levels. The attempt in progress is
`current_attempt` (1-based). Only events of the current attempt move the chain: a
DELIVERED or READ ends it; a FAILED or UNDELIVERED, or no delivery receipt before the
deadline, opens the next level (RETRYING), or, when none is left, ends it FAILED. Events
of earlier attempts (late receipts) and duplicates decide nothing, so the router never
starts a second fallback for the same failure.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cpaas.contracts import Channel, ErrorCode, FallbackLevel, MessageStatus

ACTIVE, DELIVERED, EXHAUSTED = "ACTIVE", "DELIVERED", "EXHAUSTED"


@dataclass
class Chain:
    message_id: str
    account_id: int
    recipient: str
    variables: dict[str, str]  # the primary's; each level carries its own
    campaign_id: int | None
    levels: list[FallbackLevel]  # primary first
    current_attempt: int
    state: str
    deadline_at: datetime | None


@dataclass
class Decision:
    """What to do: open `next_attempt` (RETRYING + its submit), or end FAILED, or end DELIVERED."""

    next_attempt: int | None = None
    failed_final: bool = False
    delivered: bool = False
    error_code: ErrorCode | None = None
    publish_failed_status: bool = False  # the last level did not itself end FAILED
    reasons: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return self.next_attempt is not None or self.failed_final or self.delivered


def on_status(chain: Chain, attempt: int, status: MessageStatus, error_code: ErrorCode | None) -> Decision:
    if chain.state != ACTIVE or attempt != chain.current_attempt:
        return Decision()
    if status in (MessageStatus.DELIVERED, MessageStatus.READ):
        return Decision(delivered=True)
    if status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
        return _level_failed(chain, error_code, already_failed=status == MessageStatus.FAILED)
    return Decision()


def on_deadline(chain: Chain, now: datetime) -> Decision:
    """No receipt in time: the next level is tried (RETRYING, NO_DELIVERY_RECEIPT); on the last
    level the message ends FAILED with RECEIPT_EXPIRED, which a late receipt still corrects."""
    if chain.state != ACTIVE or chain.deadline_at is None or chain.deadline_at > now:
        return Decision()
    if chain.current_attempt >= len(chain.levels):
        return _level_failed(chain, ErrorCode.RECEIPT_EXPIRED, already_failed=False)
    return _level_failed(chain, ErrorCode.NO_DELIVERY_RECEIPT, already_failed=False)


def _level_failed(chain: Chain, error_code: ErrorCode | None, *, already_failed: bool) -> Decision:
    if chain.current_attempt < len(chain.levels):
        return Decision(next_attempt=chain.current_attempt + 1, error_code=error_code)
    return Decision(failed_final=True, error_code=error_code, publish_failed_status=not already_failed)


def level_variables(chain: Chain, level: FallbackLevel) -> dict[str, str]:
    """The variables a level is sent with: its own. A level without any (None: published by
    a gateway from before levels had their own) keeps the old rule, the primary's."""
    return dict(level.variables) if level.variables is not None else chain.variables


def deadline_for(channel: Channel, start: datetime, timeouts: dict[Channel, float]) -> datetime:
    return start + timedelta(seconds=timeouts[channel])
