"""The magic-number table and the receipt text."""

from datetime import UTC, datetime

import pytest

from cpaas.sandbox.outcomes import Outcome, outcome_for
from cpaas.sandbox.smsc.receipts import DELIVERED, RECEIPT_FOR_OUTCOME, UNDELIVERABLE, Receipt


@pytest.mark.parametrize(
    ("recipient", "outcome"),
    [
        ("+919876543210", Outcome.DELIVERED),
        ("+919876543901", Outcome.UNDELIVERABLE),
        ("919876543902", Outcome.SILENT),
        ("+919876543903", Outcome.CHANNEL_NOT_SUPPORTED),
        ("+919876543904", Outcome.NEVER_READ),
        ("+919876543905", Outcome.REFUSED),
        ("+919876549050", Outcome.DELIVERED),
    ],
)
def test_last_three_digits_decide_the_outcome(recipient: str, outcome: Outcome) -> None:
    assert outcome_for(recipient) is outcome


def test_sms_receipts_per_outcome() -> None:
    assert RECEIPT_FOR_OUTCOME[Outcome.UNDELIVERABLE] is UNDELIVERABLE
    assert RECEIPT_FOR_OUTCOME[Outcome.SILENT] is None
    assert RECEIPT_FOR_OUTCOME[Outcome.REFUSED] is None
    for outcome in (Outcome.DELIVERED, Outcome.CHANNEL_NOT_SUPPORTED, Outcome.NEVER_READ):
        assert RECEIPT_FOR_OUTCOME[outcome] is DELIVERED


def test_receipt_text_is_the_standard_ascii_format() -> None:
    receipt = Receipt(
        system_id="cpaas",
        message_id="ab12",
        recipient="919876543901",
        sender="ACMEIN",
        kind=UNDELIVERABLE,
        submitted_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        text="नमस्ते, your code_is @ 12345678",
    )
    text = receipt.short_message(datetime(2025, 1, 2, 3, 5, tzinfo=UTC))
    assert text == (
        "id:ab12 sub:001 dlvrd:000 submit date:2501020304 done date:2501020305 stat:UNDELIV err:001 text:??????, your code?is"
    )
    assert text.isascii()
