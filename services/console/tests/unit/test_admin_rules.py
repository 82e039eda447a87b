"""The rules of the admin's screens: users, approval decisions, balance adjustments."""

import pytest

from cpaas.console.domain import approvals, users
from cpaas.console.domain.billing import adjustment
from cpaas.console.domain.errors import InvalidField


def refused(call, *args) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize("name", ["demo", "ops.team@acme", "a_b-c", "x" * 64])
def test_a_username_of_3_to_64_letters_digits_or_punctuation_is_accepted(name):
    assert users.username(name) == name


@pytest.mark.parametrize("name", ["ab", "x" * 65, "two words", "semi;colon"])
def test_any_other_username_is_refused(name):
    assert refused(users.username, name).field == "username"


def test_a_password_has_at_least_8_characters():
    assert users.password("eight888") == "eight888"
    assert refused(users.password, "seven77").message == "password must be at least 8 characters"


def test_an_approval_may_come_without_a_reason_and_a_reason_is_trimmed():
    assert approvals.reason(True, None) is None
    assert approvals.reason(True, "   ") is None
    assert approvals.reason(False, "  too vague ") == "too vague"


def test_a_rejection_needs_a_reason_of_at_most_500_characters():
    assert refused(approvals.reason, False, "  ").message == "a rejection needs a reason the user will see"
    assert approvals.reason(False, "x" * 500) == "x" * 500
    assert refused(approvals.reason, True, "x" * 501).field == "reason"


@pytest.mark.parametrize(
    ("kind", "approved", "rejected"),
    [
        ("templates", "APPROVED", "REJECTED"),
        ("sender-ids", "APPROVED", "REJECTED"),
        ("rcs-bots", "ACTIVE", "SUSPENDED"),
    ],
)
def test_each_kind_gets_its_own_status_from_a_decision(kind, approved, rejected):
    assert approvals.decided_status(kind, True) == approved
    assert approvals.decided_status(kind, False) == rejected


def test_every_kind_of_the_queue_has_its_statuses():
    assert set(approvals.KINDS) == set(approvals.STATUSES)


def test_a_balance_adjustment_is_a_nonzero_amount_with_a_reason():
    assert adjustment(-500, "  refund ") == "refund"
    assert refused(adjustment, 0, "refund").field == "amountMinor"
    assert refused(adjustment, 100, "   ").field == "reason"
