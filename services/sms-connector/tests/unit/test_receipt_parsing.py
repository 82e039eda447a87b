"""Delivery receipt text and TLVs."""

from datetime import UTC, datetime

import pytest

from cpaas.sms_connector.domain.receipts import NotAReceipt, parse_receipt, parse_receipt_text, parse_smpp_date

NOW = datetime(2025, 1, 2, 3, 10, tzinfo=UTC)
STANDARD = (
    "id:0123456789 sub:001 dlvrd:001 submit date:2501020304 done date:2501020305 stat:DELIVRD err:000 text:Your OTP"
)


def test_standard_receipt_text() -> None:
    receipt = parse_receipt(STANDARD, None, None, NOW)
    assert receipt.carrier_message_id == "0123456789"
    assert (receipt.stat, receipt.error) == ("DELIVRD", "000")
    assert receipt.done_at == datetime(2025, 1, 2, 3, 5, tzinfo=UTC)
    assert receipt.received_at == NOW


def test_fields_are_found_without_regard_to_case_and_dates_may_have_seconds() -> None:
    fields = parse_receipt_text(
        "ID:ab SUB:001 DLVRD:000 Submit Date:250102030405 Done Date:250102030607 Stat:UNDELIV Err:001"
    )
    assert fields["id"] == "ab"
    assert fields["stat"] == "UNDELIV"
    assert parse_smpp_date(fields["done date"]) == datetime(2025, 1, 2, 3, 6, 7, tzinfo=UTC)


def test_text_after_text_colon_is_never_parsed() -> None:
    receipt = parse_receipt("id:m1 stat:UNDELIV err:001 text:stat:DELIVRD err:000", None, None, NOW)
    assert (receipt.stat, receipt.error) == ("UNDELIV", "001")


def test_tlvs_win_over_the_text() -> None:
    receipt = parse_receipt("id:12345 stat:DELIVRD err:000", "3039", 5, NOW)
    assert (receipt.carrier_message_id, receipt.stat) == ("3039", "UNDELIV")


def test_tlvs_alone_make_a_receipt() -> None:
    receipt = parse_receipt("", "abc", 2, NOW)
    assert (receipt.carrier_message_id, receipt.stat, receipt.error, receipt.done_at) == ("abc", "DELIVRD", None, None)


@pytest.mark.parametrize("text", ["", "hello there", "stat:DELIVRD err:000", "id:abc"])
def test_a_deliver_sm_without_id_or_state_is_not_a_receipt(text: str) -> None:
    with pytest.raises(NotAReceipt):
        parse_receipt(text, None, None, NOW)


@pytest.mark.parametrize("value", [None, "", "25010203", "2513450000", "abcdefghij"])
def test_bad_dates_are_none(value: str | None) -> None:
    assert parse_smpp_date(value) is None
