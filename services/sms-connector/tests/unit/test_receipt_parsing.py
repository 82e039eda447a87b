"""Delivery receipt text and TLVs."""

from datetime import UTC, datetime

import pytest

from cpaas.sms_connector.providers.smpp.receipts import (
    NotAReceipt,
    parse_receipt,
    parse_receipt_text,
    parse_smpp_absolute_time,
    parse_smpp_date,
    receipt_from_query,
)

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


def test_smpp_absolute_time_with_tenths_and_a_quarter_hour_offset() -> None:
    assert parse_smpp_absolute_time("250102030405000+") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_smpp_absolute_time("250102083405522+") == datetime(2025, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)  # +5:30
    assert parse_smpp_absolute_time("250102020405004-") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_smpp_absolute_time("") is None
    assert parse_smpp_absolute_time("000002000000000R") is None  # relative time
    assert parse_smpp_absolute_time("251302030405000+") is None  # no month 13


def test_a_query_answer_with_a_final_state_stands_for_a_receipt() -> None:
    receipt = receipt_from_query("abc", 5, 1, "250102030405000+", NOW)
    assert receipt is not None
    assert (receipt.carrier_message_id, receipt.stat, receipt.error) == ("abc", "UNDELIV", "001")
    assert (receipt.done_at, receipt.received_at) == (datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), NOW)
    assert receipt_from_query("abc", 2, 0, "", NOW).stat == "DELIVRD"


@pytest.mark.parametrize("state", [1, 6, 7, 0, 9])  # ENROUTE, ACCEPTED, UNKNOWN, outside SMPP 3.4
def test_a_query_answer_without_a_final_outcome_is_no_receipt(state: int) -> None:
    assert receipt_from_query("abc", state, 0, "", NOW) is None
