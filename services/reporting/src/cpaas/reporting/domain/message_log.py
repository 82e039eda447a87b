"""The message log's rules, without I/O: status ranks, what one event does to an attempt
row, and the fold of a batch of events into a few set-based writes.

An attempt row (one channel level of a message) moves forward only: to a higher status
rank and never out of FAILED or UNDELIVERED, which is exactly
`cpaas.contracts.enums.can_transition` (a unit test checks every pair). Sent, delivered
and read times are kept independently (the earliest), and carrier ids, segments,
template and sender take the latest value that is set, so a late event still fills
them. The message row is the state of its highest attempt, which is
`cpaas.contracts.enums.supersedes` across attempts, except that a failed attempt with a
fallback level still to come shows as RETRYING. `store.py` says the same in SQL.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, TypeVar

from cpaas.contracts import MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.enums import RECEIPT_EXPIRED
from cpaas.contracts.ids import MESSAGE_ID_PREFIX

S = MessageStatus
STATUS_RANK: dict[MessageStatus, int] = {
    S.RETRYING: 0,  # opens a fallback attempt; the connector's SUBMITTED may follow it
    S.SUBMITTED: 1,
    S.SUBMITTED_OPERATOR: 2,
    S.DELIVERED: 3,
    S.UNDELIVERED: 3,
    S.FAILED: 3,
    S.READ: 4,
}
DEAD_END = frozenset({S.FAILED, S.UNDELIVERED})  # final for their attempt; READ is final by its rank

T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CROCKFORD_TO_BASE32 = str.maketrans("0123456789ABCDEFGHJKMNPQRSTVWXYZ", "0123456789abcdefghijklmnopqrstuv")
_TIME_START = len(MESSAGE_ID_PREFIX)
_TIME_END = _TIME_START + 10  # 48 bits of milliseconds in 10 base-32 digits


def _expired(status: MessageStatus, error_code: str | None) -> bool:
    return status in DEAD_END and error_code == RECEIPT_EXPIRED


def advances(
    current: MessageStatus, new: MessageStatus, current_error: str | None = None, new_error: str | None = None
) -> bool:
    """True when `new` may follow `current` within one attempt, by ranks as the SQL
    `status_advances` computes it (`cpaas.contracts.can_transition`, which a unit test holds
    this to): forward only, except that an attempt ended by its receipt deadline takes the
    carrier's late outcome, and an expiry never replaces a real outcome."""
    forward = STATUS_RANK[new] > STATUS_RANK[current] and current not in DEAD_END
    if _expired(new, new_error):
        if _expired(current, current_error):
            return current == S.UNDELIVERED and new == S.FAILED
        return forward
    if _expired(current, current_error):
        return new in DEAD_END or new in (S.DELIVERED, S.READ)
    return forward or (current == S.UNDELIVERED and new == S.FAILED)  # the router: every level failed


def message_status(latest_status: MessageStatus, latest_attempt: int, fallback_levels: int) -> MessageStatus:
    """A message's status from its highest attempt: RETRYING while that attempt failed and a
    fallback level remains (the router opens it), as the guide says FAILED means every channel
    failed (SQL: PROJECT_MESSAGES)."""
    if latest_status in DEAD_END and latest_attempt <= fallback_levels:
        return S.RETRYING
    return latest_status


def message_created_at(message_id: str) -> datetime:
    """The creation time encoded in the id (`cpaas.contracts.ids.message_id_time_ms`, which a
    unit test holds this to), exact to the millisecond as readers compute it; a faster decode
    because every event needs it."""
    millis = int(message_id[_TIME_START:_TIME_END].translate(_CROCKFORD_TO_BASE32), 32)
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        raise ValueError(f"message id {message_id} is dated after the year 9999") from None


def _latest(earlier: T | None, later: T | None) -> T | None:
    return earlier if later is None else later


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)


def _utc(value: datetime) -> datetime:
    """A time without a zone is taken as UTC (asyncpg would take it as local time)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _text(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; a carrier's error detail sometimes does."""
    return None if value is None else value.replace("\x00", "")


class AttemptUpdate(NamedTuple):
    """What one event says about one attempt of one message (a row of message_attempts)."""

    message_id: str
    created_at: datetime
    attempt: int
    channel: str
    status: MessageStatus
    status_at: datetime
    submitted_at: datetime | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    template_id: int | None = None
    template_name: str | None = None
    sender_id: str | None = None
    carrier_message_id: str | None = None
    segments: int | None = None
    error_code: str | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None
    variables: dict[str, str] | None = None  # the submit's template variables

    @property
    def status_rank(self) -> int:
        return STATUS_RANK[self.status]


def apply_update(current: AttemptUpdate, new: AttemptUpdate) -> AttemptUpdate:
    """The attempt row after `new` arrives (SQL: store.UPSERT_ATTEMPTS).

    The status and its error fields change only when `new` advances the status; times
    (as reported: `causal_times` derives the shown ones) keep the earliest; ids, segments,
    template, sender and variables keep the latest value set.
    """
    head = new if advances(current.status, new.status, current.error_code, new.error_code) else current
    return AttemptUpdate(  # positional (every field, in order): a fold runs per event, _replace is slow
        head.message_id,
        head.created_at,
        head.attempt,
        head.channel,
        head.status,
        head.status_at,
        _earliest(current.submitted_at, new.submitted_at),
        _earliest(current.sent_at, new.sent_at),
        _earliest(current.delivered_at, new.delivered_at),
        _earliest(current.read_at, new.read_at),
        _latest(current.template_id, new.template_id),
        _latest(current.template_name, new.template_name),
        _latest(current.sender_id, new.sender_id),
        _latest(current.carrier_message_id, new.carrier_message_id),
        _latest(current.segments, new.segments),
        head.error_code,
        head.error_detail,
        head.carrier_error_code,
        _latest(current.variables, new.variables),
    )


def fold_attempt(updates: Iterable[AttemptUpdate]) -> list[AttemptUpdate]:
    """Shorten one attempt's updates (in arrival order) without changing their effect.

    An update that advances the one before it, or repeats its status, replaces it: for
    every possible current row, applying the pair or the merged one gives the same row.
    What remains is applied one element per statement, in order (usually one).
    """
    chain: list[AttemptUpdate] = []
    for update in updates:
        merged = update
        while chain and _folds_into(chain[-1], merged):
            merged = apply_update(chain.pop(), merged)
        chain.append(merged)
    return chain


def _folds_into(earlier: AttemptUpdate, later: AttemptUpdate) -> bool:
    """`later` may replace `earlier` in a fold: it advances it, or repeats its status and
    expiry (a repeat that differs in expiry is a correction or a refused one: kept apart)."""
    if advances(earlier.status, later.status, earlier.error_code, later.error_code):
        return True
    return earlier.status == later.status and _expired(earlier.status, earlier.error_code) == _expired(
        later.status, later.error_code
    )


class MessageFacts(NamedTuple):
    """What the message row takes from events directly rather than from its attempts."""

    message_id: str
    created_at: datetime
    account_id: int
    recipient: str
    campaign_id: int | None
    fallback_levels: int  # a lower bound: levels in a submit plus the attempts before it


class EventRow(NamedTuple):
    """One row of message_events."""

    event_id: str
    event_type: str
    message_id: str
    created_at: datetime
    attempt: int
    channel: str
    status: MessageStatus
    occurred_at: datetime
    error_code: str | None
    error_detail: str | None
    carrier_error_code: str | None


class MessageRow(NamedTuple):
    """The message row a batch would write if the message were new (its projection)."""

    facts: MessageFacts
    latest: AttemptUpdate  # the highest attempt, after its updates
    primary_channel: str
    submitted_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


@dataclass
class BatchPlan:
    """A batch's writes: message rows, attempt updates in rounds, history rows."""

    messages: list[MessageRow]
    attempt_rounds: list[list[AttemptUpdate]]
    events: list[EventRow]

    @property
    def days(self) -> set[date]:
        return {row.facts.created_at.date() for row in self.messages}


def submit_update(event_id: str, data: MessageSubmittedV1) -> tuple[MessageFacts, AttemptUpdate, EventRow]:
    """A submit opens its attempt: SUBMITTED for the primary, RETRYING for a fallback level
    (the message is in fallback until the next channel's connector reports)."""
    created_at = message_created_at(data.message_id)
    status = S.SUBMITTED if data.attempt == 1 else S.RETRYING
    facts = MessageFacts(
        message_id=data.message_id,
        created_at=created_at,
        account_id=data.account_id,
        recipient=data.recipient,
        campaign_id=data.campaign_id,
        fallback_levels=data.attempt - 1 + len(data.fallback),
    )
    update = AttemptUpdate(
        message_id=data.message_id,
        created_at=created_at,
        attempt=data.attempt,
        channel=data.channel.value,
        status=status,
        status_at=_utc(data.submitted_at),
        submitted_at=_utc(data.submitted_at),
        template_id=data.template_id,
        template_name=_text(data.template_name),
        sender_id=data.sender_id,
        variables={key: _text(value) for key, value in data.variables.items()},
    )
    return facts, update, _event_row(event_id, MessageSubmittedV1.event_type, update)


def status_update(event_id: str, data: MessageStatusChangedV1) -> tuple[MessageFacts, AttemptUpdate, EventRow]:
    created_at = message_created_at(data.message_id)
    at = _utc(data.occurred_at)
    facts = MessageFacts(
        message_id=data.message_id,
        created_at=created_at,
        account_id=data.account_id,
        recipient=data.recipient,
        campaign_id=data.campaign_id,
        fallback_levels=data.attempt - 1,
    )
    update = AttemptUpdate(
        message_id=data.message_id,
        created_at=created_at,
        attempt=data.attempt,
        channel=data.channel.value,
        status=data.status,
        status_at=at,
        sent_at=at if data.status is S.SUBMITTED_OPERATOR else None,
        delivered_at=at if data.status is S.DELIVERED else None,
        read_at=at if data.status is S.READ else None,
        template_id=data.template_id,
        sender_id=_text(data.sender_id),
        carrier_message_id=_text(data.carrier_message_id),
        segments=data.segments,
        error_code=data.error_code.value if data.error_code else None,
        error_detail=_text(data.error_detail),
        carrier_error_code=_text(data.carrier_error_code),
    )
    return facts, update, _event_row(event_id, MessageStatusChangedV1.event_type, update)


def _event_row(event_id: str, event_type: str, update: AttemptUpdate) -> EventRow:
    return EventRow(
        event_id=event_id,
        event_type=event_type,
        message_id=update.message_id,
        created_at=update.created_at,
        attempt=update.attempt,
        channel=update.channel,
        status=update.status,
        occurred_at=update.status_at,
        error_code=update.error_code,
        error_detail=update.error_detail,
        carrier_error_code=update.carrier_error_code,
    )


Item = tuple[MessageFacts, AttemptUpdate, EventRow]


def plan_batch(items: Iterable[Item]) -> BatchPlan:
    """Fold a batch's events (submits first, then statuses, each in offset order)."""
    facts: dict[str, MessageFacts] = {}
    per_attempt: dict[tuple[str, int], list[AttemptUpdate]] = defaultdict(list)
    events: dict[str, EventRow] = {}
    for fact, update, row in items:
        facts[fact.message_id] = _merge_facts(facts.get(fact.message_id), fact)
        per_attempt[(update.message_id, update.attempt)].append(update)
        events.setdefault(row.event_id, row)
    chains = {key: fold_attempt(updates) for key, updates in per_attempt.items()}
    rounds: list[list[AttemptUpdate]] = []
    for chain in chains.values():
        for index, update in enumerate(chain):
            if index == len(rounds):
                rounds.append([])
            rounds[index].append(update)
    attempts_of: dict[str, list[AttemptUpdate]] = defaultdict(list)
    for (message_id, _), chain in chains.items():
        final = chain[0]
        for update in chain[1:]:
            final = apply_update(final, update)
        attempts_of[message_id].append(final)
    messages = [_project(facts[mid], attempts) for mid, attempts in sorted(attempts_of.items())]
    return BatchPlan(messages, rounds, list(events.values()))


def _merge_facts(current: MessageFacts | None, new: MessageFacts) -> MessageFacts:
    if current is None:
        return new
    return current._replace(
        campaign_id=current.campaign_id if current.campaign_id is not None else new.campaign_id,
        fallback_levels=max(current.fallback_levels, new.fallback_levels),
    )


class ShownTimes(NamedTuple):
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


def causal_times(
    created_at: datetime,
    submitted_at: datetime | None,
    sent_at: datetime | None,
    delivered_at: datetime | None,
    read_at: datetime | None,
) -> ShownTimes:
    """An attempt's shown times from the reported ones (SQL: causal_times, migration 0007):
    none before the attempt's creation or submit, each at least the one before it, so a
    receipt stamped to the minute never reads before its send; a READ implies delivered and
    a delivery implies sent (their shown time is then the later step's)."""
    floor = max(created_at, submitted_at) if submitted_at is not None else created_at
    sent = max(sent_at, floor) if sent_at is not None else None
    delivered = max(delivered_at, sent or floor) if delivered_at is not None else None
    read = max(read_at, delivered or sent or floor) if read_at is not None else None
    delivered = delivered or read
    return ShownTimes(sent or delivered, delivered, read)


def shown(attempt: AttemptUpdate) -> AttemptUpdate:
    """The attempt with its shown times in place of the reported ones (`causal_times`), and
    its status time lifted to at least them (SQL: store.UPSERT_ATTEMPTS), so a new message's
    row is written once, already as PROJECT_MESSAGES would make it."""
    times = causal_times(
        attempt.created_at, attempt.submitted_at, attempt.sent_at, attempt.delivered_at, attempt.read_at
    )
    floor = [attempt.status_at, attempt.created_at, attempt.submitted_at, times.sent_at]
    if attempt.status in (S.DELIVERED, S.READ):
        floor.append(times.delivered_at)
    if attempt.status == S.READ:
        floor.append(times.read_at)
    status_at = max(t for t in floor if t is not None)
    if (status_at, *times) == (attempt.status_at, attempt.sent_at, attempt.delivered_at, attempt.read_at):
        return attempt  # times already in causal order (the usual case)
    return attempt._replace(status_at=status_at, sent_at=times[0], delivered_at=times[1], read_at=times[2])


def _project(facts: MessageFacts, attempts: list[AttemptUpdate]) -> MessageRow:
    """The message row of a new message: the state of its highest attempt (SQL: store.PROJECT_MESSAGES)."""
    attempts = [shown(a) for a in attempts]
    if len(attempts) == 1:
        [only] = attempts
        facts = facts._replace(fallback_levels=max(facts.fallback_levels, only.attempt - 1))
        return MessageRow(facts, only, only.channel, only.submitted_at, only.sent_at, only.delivered_at, only.read_at)
    attempts.sort(key=lambda a: a.attempt)
    latest = attempts[-1]
    primary = attempts[0].channel  # provisional until attempt 1 is seen
    times = {}
    for name in ("submitted_at", "sent_at", "delivered_at", "read_at"):
        values = [getattr(a, name) for a in attempts if getattr(a, name) is not None]
        times[name] = min(values) if values else None
    facts = facts._replace(fallback_levels=max(facts.fallback_levels, latest.attempt - 1))
    return MessageRow(facts, latest, primary, **times)


def retention_cutoff(today: date, retention_days: int) -> date:
    """The oldest day kept: partitions of earlier days are dropped, their events skipped."""
    return today - timedelta(days=retention_days)
