"""The PDUs the session writes and reads that smpp34's codec has no class for."""

import struct

import pytest
import smpp34

from cpaas.sms_connector.providers.smpp import pdu
from cpaas.sms_connector.providers.smpp.model import Segment


def test_validity_period_is_written_in_smpp_relative_time() -> None:
    assert pdu.relative_time(48 * 3600) == "000002000000000R"
    assert pdu.relative_time(1) == "000000000001000R"
    assert pdu.relative_time(90061) == "000001010101000R"
    with pytest.raises(ValueError):
        pdu.relative_time(100 * 86400)


def test_submit_sm_carries_the_validity_period_and_asks_for_a_receipt() -> None:
    segment = Segment("919876543210", "ACMEIN", b"Hi", 0, 0, ((0x1400, b"1101"),))
    decoded = smpp34.decode(pdu.submit_sm(7, segment, "000002000000000R"))
    assert isinstance(decoded, smpp34.SubmitSm)
    assert (decoded.sequence_number, decoded.validity_period, decoded.registered_delivery) == (
        7,
        "000002000000000R",
        1,
    )
    assert (decoded.destination_addr, decoded.dest_addr_ton, decoded.source_addr_ton) == ("919876543210", 1, 5)


def test_deliver_sm_resp_has_its_null_message_id() -> None:
    data = pdu.deliver_sm_resp(9)
    assert struct.unpack("!IIII", data[:16]) == (17, pdu.DELIVER_SM_RESP, 0, 9)
    assert data[16:] == b"\0"


def test_query_sm_and_its_response() -> None:
    data = pdu.query_sm(3, "abc123", "ACMEIN", 5, 0)
    assert struct.unpack("!IIII", data[:16]) == (len(data), pdu.QUERY_SM, 0, 3)
    assert data[16:] == b"abc123\0\x05\x00ACMEIN\0"
    answer = pdu.parse_query_sm_resp(b"abc123\x00261125120000000+\x00\x02\x00")
    assert answer == pdu.QueryAnswer("abc123", "261125120000000+", 2, 0)
    assert pdu.parse_query_sm_resp(b"abc123\x00\x00\x01\x00").final_date == ""
    with pytest.raises(ValueError):
        pdu.parse_query_sm_resp(b"abc123\x00\x00")


def test_the_message_id_of_a_submit_sm_resp() -> None:
    assert pdu.message_id_of(b"0a1b2c\0") == "0a1b2c"
    assert pdu.message_id_of(b"") is None
    assert pdu.message_id_of(b"\0") is None
