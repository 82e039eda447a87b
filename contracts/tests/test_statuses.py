"""The status rule: within an attempt statuses only move forward; a later attempt wins."""

import pytest

from cpaas.contracts import MessageStatus as S
from cpaas.contracts import can_transition, supersedes


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.SUBMITTED, S.SUBMITTED_OPERATOR),
        (S.SUBMITTED_OPERATOR, S.DELIVERED),
        (S.DELIVERED, S.READ),
        (S.SUBMITTED, S.FAILED),
        (S.SUBMITTED_OPERATOR, S.UNDELIVERED),
        (S.RETRYING, S.SUBMITTED_OPERATOR),
    ],
)
def test_forward_transitions_are_allowed(current: S, new: S) -> None:
    assert can_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.DELIVERED, S.SUBMITTED_OPERATOR),  # a late submit_sm_resp after the receipt
        (S.DELIVERED, S.DELIVERED),  # a duplicate
        (S.READ, S.DELIVERED),
        (S.FAILED, S.DELIVERED),
        (S.UNDELIVERED, S.READ),
        (S.SUBMITTED_OPERATOR, S.SUBMITTED),
    ],
)
def test_backward_or_repeated_transitions_are_refused(current: S, new: S) -> None:
    assert not can_transition(current, new)


def test_a_later_attempt_supersedes_a_final_status_of_an_earlier_one() -> None:
    assert supersedes(1, S.FAILED, 2, S.RETRYING)


def test_an_event_of_an_earlier_attempt_does_not_supersede() -> None:
    assert not supersedes(2, S.RETRYING, 1, S.DELIVERED)


def test_every_status_is_in_the_rule_and_final_ones_lead_nowhere_but_to_failed() -> None:
    for status in S:
        if status.is_final:
            assert {other for other in S if can_transition(status, other)} <= {S.FAILED}
    assert can_transition(S.UNDELIVERED, S.FAILED)  # every fallback level failed
    assert {s.value for s in S} == {
        "SUBMITTED",
        "SUBMITTED_OPERATOR",
        "DELIVERED",
        "READ",
        "RETRYING",
        "FAILED",
        "UNDELIVERED",
    }


EXPIRED = "RECEIPT_EXPIRED"


def _fold(events: list[tuple[S, str | None]]) -> tuple[S, str | None]:
    status, error = S.SUBMITTED, None
    for new, new_error in events:
        if can_transition(status, new, current_error=error, new_error=new_error):
            status, error = new, new_error
    return status, error


def test_a_late_receipt_corrects_an_expired_attempt() -> None:
    assert can_transition(S.UNDELIVERED, S.DELIVERED, current_error=EXPIRED)
    assert can_transition(S.FAILED, S.DELIVERED, current_error=EXPIRED)  # the router's FAILED after it
    assert can_transition(S.UNDELIVERED, S.UNDELIVERED, current_error=EXPIRED, new_error="CARRIER_UNDELIVERABLE")
    assert not can_transition(S.UNDELIVERED, S.SUBMITTED_OPERATOR, current_error=EXPIRED)


def test_an_expiry_never_replaces_a_real_outcome() -> None:
    assert not can_transition(S.DELIVERED, S.UNDELIVERED, new_error=EXPIRED)
    assert not can_transition(S.UNDELIVERED, S.FAILED, current_error="CARRIER_UNDELIVERABLE", new_error=EXPIRED)
    assert can_transition(S.SUBMITTED_OPERATOR, S.UNDELIVERED, new_error=EXPIRED)


def test_an_expired_attempt_ends_the_same_whatever_the_order_of_arrival() -> None:
    from itertools import permutations

    stories = [
        [(S.SUBMITTED_OPERATOR, None), (S.UNDELIVERED, EXPIRED), (S.FAILED, EXPIRED), (S.DELIVERED, None)],
        [(S.SUBMITTED_OPERATOR, None), (S.UNDELIVERED, EXPIRED), (S.DELIVERED, None), (S.READ, None)],
        [(S.UNDELIVERED, EXPIRED), (S.FAILED, EXPIRED), (S.UNDELIVERED, "CARRIER_UNDELIVERABLE")],
    ]
    for story in stories:
        outcomes = {_fold(list(order) * 2) for order in permutations(story)}  # every order, each event twice
        assert len(outcomes) == 1, (story, outcomes)
        assert next(iter(outcomes))[1] != EXPIRED
