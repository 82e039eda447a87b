"""The message log's rules without a database: ranks, one update on an attempt row, and
the fold of a batch into few writes."""

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from cpaas.contracts import (
    Channel,
    FallbackLevel,
    MessageStatus,
    MessageStatusChangedV1,
    MessageSubmittedV1,
    can_transition,
    new_message_id,
    supersedes,
)
from cpaas.contracts.ids import message_id_time_ms
from cpaas.reporting.domain import (
    AttemptUpdate,
    advances,
    apply_update,
    fold_attempt,
    message_created_at,
    plan_batch,
    status_update,
    submit_update,
)

S = MessageStatus
T0 = datetime(2026, 3, 6, 14, 30, tzinfo=UTC)
MESSAGE_ID = new_message_id()


def update(status: MessageStatus, seconds: int = 0, attempt: int = 1, **fields) -> AttemptUpdate:
    at = T0 + timedelta(seconds=seconds)
    times = {
        "sent_at": at if status is S.SUBMITTED_OPERATOR else None,
        "delivered_at": at if status is S.DELIVERED else None,
        "read_at": at if status is S.READ else None,
    }
    return AttemptUpdate(MESSAGE_ID, T0, attempt, "SMS", status, at, **{**times, **fields})


def apply_all(current: AttemptUpdate | None, updates: list[AttemptUpdate]) -> AttemptUpdate | None:
    for u in updates:
        current = u if current is None else apply_update(current, u)
    return current


def status_event(status: MessageStatus, attempt: int = 1, **fields) -> MessageStatusChangedV1:
    return MessageStatusChangedV1(
        message_id=MESSAGE_ID,
        account_id=7,
        channel=fields.pop("channel", Channel.SMS),
        attempt=attempt,
        status=status,
        recipient="+919876543210",
        occurred_at=fields.pop("occurred_at", T0),
        **fields,
    )


ERRORS = (None, "CARRIER_UNDELIVERABLE", "RECEIPT_EXPIRED")


def test_rank_rule_is_the_contracts_transition_rule() -> None:
    for current, new in itertools.product(MessageStatus, repeat=2):
        for current_error, new_error in itertools.product(ERRORS, repeat=2):
            expected = can_transition(current, new, current_error=current_error, new_error=new_error)
            assert advances(current, new, current_error, new_error) == expected, (
                current,
                new,
                current_error,
                new_error,
            )


def test_a_late_receipt_corrects_an_expired_attempt_in_one_batch_or_two() -> None:
    expired = update(S.UNDELIVERED, 1, error_code="RECEIPT_EXPIRED")
    late = update(S.DELIVERED, 2)
    assert apply_all(None, [update(S.SUBMITTED_OPERATOR), expired, late]).status == S.DELIVERED
    assert apply_all(None, fold_attempt([update(S.SUBMITTED_OPERATOR), expired, late])).status == S.DELIVERED
    assert apply_all(apply_all(None, [expired]), [late]).delivered_at == T0 + timedelta(seconds=2)
    assert apply_all(None, [late, expired]).status == S.DELIVERED


def test_message_status_follows_supersedes_over_any_order_and_batching() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        events = [(rng.randint(1, 3), rng.choice(list(MessageStatus))) for _ in range(rng.randint(1, 7))]
        expected_attempt, expected = events[0]
        for attempt, status in events[1:]:
            if supersedes(expected_attempt, expected, attempt, status):
                expected_attempt, expected = attempt, status
        items = [status_update(f"e{i}", status_event(s, attempt=a)) for i, (a, s) in enumerate(events)]
        # the whole sequence in one batch, then again split into batches applied one after another
        assert plan_batch(items).messages[0].latest.status == expected
        cut = rng.randint(1, len(items))
        rows: dict[int, AttemptUpdate] = {}
        for part in (items[:cut], items[cut:]):
            for chain in plan_batch(part).attempt_rounds:
                for u in chain:
                    rows[u.attempt] = apply_all(rows.get(u.attempt), [u])
        assert rows[max(rows)].status == expected


def test_fold_changes_no_outcome_for_any_current_row() -> None:
    rng = random.Random(11)
    starts = [
        None,
        *(update(s, seconds=-5, carrier_message_id="old", error_code=e) for s in MessageStatus for e in ERRORS),
    ]
    for _ in range(3000):
        updates = [
            update(
                rng.choice(list(MessageStatus)),
                seconds=rng.randint(0, 9),
                carrier_message_id=rng.choice([None, "c1", "c2"]),
                segments=rng.choice([None, 1, 2]),
                error_detail=rng.choice([None, "x"]),
                error_code=rng.choice(ERRORS),
            )
            for _ in range(rng.randint(1, 6))
        ]
        folded = fold_attempt(updates)
        assert len(folded) <= len(updates)
        for start in starts:
            assert apply_all(start, folded) == apply_all(start, updates)


def test_a_forward_run_folds_into_one_write() -> None:
    chain = fold_attempt([update(S.SUBMITTED), update(S.SUBMITTED_OPERATOR, 1), update(S.DELIVERED, 2)])
    assert [u.status for u in chain] == [S.DELIVERED]
    assert chain[0].sent_at == T0 + timedelta(seconds=1)
    assert chain[0].delivered_at == T0 + timedelta(seconds=2)


def test_updates_that_do_not_advance_each_other_stay_in_order() -> None:
    chain = fold_attempt([update(S.DELIVERED), update(S.FAILED, 1), update(S.READ, 2)])
    assert [u.status for u in chain] == [S.DELIVERED, S.FAILED, S.READ]
    assert apply_all(None, chain).status == S.READ  # FAILED cannot follow DELIVERED; READ can


def test_late_submitted_operator_fills_sent_at_without_moving_the_status_back() -> None:
    row = apply_all(None, [update(S.DELIVERED, 5), update(S.SUBMITTED_OPERATOR, 1, carrier_message_id="c9")])
    assert row.status == S.DELIVERED
    assert row.sent_at == T0 + timedelta(seconds=1)
    assert row.delivered_at == T0 + timedelta(seconds=5)
    assert row.carrier_message_id == "c9"


def test_failed_and_undelivered_are_final_for_their_attempt() -> None:
    for final in (S.FAILED, S.UNDELIVERED):
        row = apply_all(None, [update(final, error_code="CARRIER_REJECTED"), update(S.READ, 1), update(S.DELIVERED)])
        assert (row.status, row.error_code) == (final, "CARRIER_REJECTED")


def test_a_fallback_submit_opens_its_attempt_as_retrying() -> None:
    data = MessageSubmittedV1(
        message_id=MESSAGE_ID,
        account_id=7,
        channel=Channel.WHATSAPP,
        recipient="+919876543210",
        template_id=15,
        template_name="otp_wa",
        attempt=2,
        fallback=[FallbackLevel(channel=Channel.SMS, template_id=42, sender_id="MYBRAND")],
        submitted_at=T0,
    )
    facts, attempt, event = submit_update("ev-1", data)
    assert (attempt.attempt, attempt.status, attempt.channel) == (2, S.RETRYING, "WHATSAPP")
    assert (attempt.template_id, attempt.template_name, attempt.submitted_at) == (15, "otp_wa", T0)
    assert facts.fallback_levels == 2  # one level before this attempt, one still to try
    assert (event.event_type, event.status) == ("cpaas.message.submitted.v1", S.RETRYING)


def test_a_status_of_a_fallback_attempt_supersedes_the_failed_primary_in_one_batch() -> None:
    plan = plan_batch(
        [
            status_update("e1", status_event(S.FAILED, error_code="CARRIER_REJECTED")),
            status_update("e2", status_event(S.DELIVERED, attempt=2, channel=Channel.WHATSAPP)),
            status_update("e3", status_event(S.FAILED, error_code="CARRIER_REJECTED")),  # redelivered, late
        ]
    )
    [row] = plan.messages
    assert (row.latest.attempt, row.latest.status, row.latest.channel) == (2, S.DELIVERED, "WHATSAPP")
    assert row.latest.error_code is None
    assert row.primary_channel == "SMS"
    assert row.facts.fallback_levels == 1
    assert sorted(u.attempt for u in plan.attempt_rounds[0]) == [1, 2]
    assert len(plan.events) == 3


def test_duplicate_event_ids_are_recorded_once() -> None:
    item = status_update("same-id", status_event(S.DELIVERED))
    assert len(plan_batch([item, item]).events) == 1


def test_created_at_is_the_time_in_the_message_id_to_the_millisecond() -> None:
    assert message_created_at(new_message_id(now_ms=1_772_807_400_123)) == datetime(
        2026, 3, 6, 14, 30, 0, 123000, tzinfo=UTC
    )
    rng = random.Random(5)
    year_9999 = 253_402_300_799_999
    for now_ms in [0, year_9999, *(rng.randrange(year_9999) for _ in range(1000))]:
        message_id = new_message_id(now_ms=now_ms)
        expected = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=message_id_time_ms(message_id))
        assert message_created_at(message_id) == expected


def test_a_message_id_dated_beyond_what_a_timestamp_holds_is_refused() -> None:
    with pytest.raises(ValueError, match="after the year 9999"):
        message_created_at(new_message_id(now_ms=2**48 - 1))


def test_a_time_without_zone_is_taken_as_utc_and_nul_is_stripped() -> None:
    _, attempt, _ = status_update(
        "e", status_event(S.FAILED, occurred_at=datetime(2026, 3, 6, 14, 30), error_detail="bad\x00byte")
    )
    assert attempt.status_at == T0
    assert attempt.error_detail == "badbyte"


def test_a_failed_attempt_with_a_fallback_level_to_come_shows_the_message_retrying() -> None:
    from cpaas.reporting.domain import message_status

    assert message_status(S.FAILED, 1, 2) == S.RETRYING
    assert message_status(S.UNDELIVERED, 2, 2) == S.RETRYING
    assert message_status(S.FAILED, 3, 2) == S.FAILED  # the last level: every channel failed
    assert message_status(S.UNDELIVERED, 1, 0) == S.UNDELIVERED  # no fallback
    assert message_status(S.DELIVERED, 1, 2) == S.DELIVERED


def test_shown_times_are_in_causal_order() -> None:
    from cpaas.reporting.domain.message_log import causal_times

    created = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)
    second = timedelta(seconds=1)
    # a receipt stamped to the minute (before its send) reads as the send
    assert causal_times(created, created, created + second, created - 30 * second, None) == (
        created + second,
        created + second,
        None,
    )
    # a READ without a DELIVERED: delivered when read; a delivery without a send: sent when delivered
    assert causal_times(created, created, None, None, created + 5 * second) == (
        created + 5 * second,
        created + 5 * second,
        created + 5 * second,
    )
    # a provider clock before the message's creation
    assert causal_times(created, None, created - 3600 * second, None, None).sent_at == created
