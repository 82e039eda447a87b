"""A campaign message's final state from the status stream: delivered, or failed for good
(its last level failed). Each message counts once; a late receipt that corrects an
expiry (RECEIPT_EXPIRED, then DELIVERED) moves it from failed to delivered, never back.
Pure."""

from dataclasses import dataclass

from cpaas.campaigns.domain.ids import parse_campaign_message_id
from cpaas.contracts import MessageStatus, MessageStatusChangedV1

DELIVERED, FAILED = 1, 2  # outcome codes in the store


@dataclass(frozen=True, slots=True)
class Outcome:
    campaign_id: int
    row: int
    account_id: int
    id_time_ms: int
    outcome: int  # DELIVERED or FAILED
    attempt: int
    final_failure: bool  # the event says no level is left (else: the attempt against the levels)


def outcome_of(event: MessageStatusChangedV1) -> Outcome | None:
    """The outcome an event may set, or None (not a campaign message, or not final)."""
    parsed = parse_campaign_message_id(event.message_id)
    if parsed is None:
        return None
    time_ms, campaign_id, row = parsed
    if event.campaign_id is not None and event.campaign_id != campaign_id:
        return None
    if event.status in (MessageStatus.DELIVERED, MessageStatus.READ):
        outcome = DELIVERED
    elif event.status.is_failure:
        outcome = FAILED
    else:
        return None
    return Outcome(campaign_id, row, event.account_id, time_ms, outcome, event.attempt, event.fallback_remaining == 0)


def merge(outcomes: list[Outcome]) -> list[Outcome]:
    """One outcome per message of a batch: delivered wins over failed."""
    best: dict[tuple[int, int], Outcome] = {}
    for outcome in outcomes:
        key = (outcome.campaign_id, outcome.row)
        kept = best.get(key)
        if (
            kept is None
            or (outcome.outcome == DELIVERED and kept.outcome != DELIVERED)
            or (outcome.outcome == kept.outcome == FAILED and (outcome.final_failure or outcome.attempt > kept.attempt))
        ):
            best[key] = outcome
    return list(best.values())
