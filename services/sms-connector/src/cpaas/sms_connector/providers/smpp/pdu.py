"""SMPP 3.4 PDUs of an ESME: what the session writes and how it reads the answers.

submit_sm is encoded and deliver_sm decoded by smpp34's Rust codec (`SubmitSm.encode`,
`smpp34.decode`); the PDUs that codec has no class for (bind, enquire_link, unbind,
query_sm, the responses) are a header and a few fields, packed here with `struct`.
"""

import struct
from dataclasses import dataclass

import smpp34

from cpaas.sms_connector.providers.smpp.model import Segment

HEADER = struct.Struct("!IIII")  # command_length, command_id, command_status, sequence_number
HEADER_BYTES = 16
MAX_PDU_BYTES = 64 * 1024  # far above any legal PDU; a larger length means a broken peer
SMPP_VERSION_3_4 = 0x34
MAX_SEQUENCE = 0x7FFFFFFF

GENERIC_NACK = 0x80000000
QUERY_SM, QUERY_SM_RESP = 0x00000003, 0x80000003
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
ALERT_NOTIFICATION = 0x00000102  # has no response
RESPONSE_BIT = 0x80000000

ESME_ROK = 0x00
ESME_RINVCMDID = 0x03
ESME_RX_P_APPN = 0x64  # "ESME receiver permanent app error": do not send this deliver_sm again

DEST_TON_INTERNATIONAL, DEST_NPI_ISDN = 1, 1
REGISTERED_DELIVERY_FINAL = 1  # a receipt for every final outcome


class FramingError(Exception):
    """The peer sent a command_length no PDU can have; the connection is closed."""


def header_only(command_id: int, status: int, sequence: int) -> bytes:
    return HEADER.pack(HEADER_BYTES, command_id, status, sequence)


def _pdu(command_id: int, sequence: int, body: bytes, status: int = ESME_ROK) -> bytes:
    return HEADER.pack(HEADER_BYTES + len(body), command_id, status, sequence) + body


def _c_octets(value: str) -> bytes:
    return value.encode("ascii") + b"\0"


def bind_transceiver(sequence: int, system_id: str, password: str, system_type: str) -> bytes:
    body = (
        _c_octets(system_id)
        + _c_octets(password)
        + _c_octets(system_type)
        + bytes([SMPP_VERSION_3_4, 0, 0])  # interface_version, addr_ton, addr_npi
        + b"\0"  # address_range
    )
    return _pdu(BIND_TRANSCEIVER, sequence, body)


def enquire_link(sequence: int) -> bytes:
    return header_only(ENQUIRE_LINK, ESME_ROK, sequence)


def unbind(sequence: int) -> bytes:
    return header_only(UNBIND, ESME_ROK, sequence)


def deliver_sm_resp(sequence: int, status: int = ESME_ROK) -> bytes:
    """message_id is unused and NULL (one octet) in a deliver_sm_resp (SMPP 3.4, 4.6.2)."""
    return _pdu(DELIVER_SM_RESP, sequence, b"\0", status)


def submit_sm(sequence: int, segment: Segment, validity_period: str) -> bytes:
    return smpp34.SubmitSm(
        segment.source,
        segment.destination,
        segment.payload,
        source_addr_ton=segment.source_ton,
        source_addr_npi=segment.source_npi,
        dest_addr_ton=DEST_TON_INTERNATIONAL,
        dest_addr_npi=DEST_NPI_ISDN,
        esm_class=segment.esm_class,
        data_coding=segment.data_coding,
        registered_delivery=REGISTERED_DELIVERY_FINAL,
        validity_period=validity_period,
        tlvs=[smpp34.Tlv(tag, value) for tag, value in segment.tlvs],
        sequence_number=sequence,
    ).encode()


def query_sm(sequence: int, message_id: str, source_addr: str, source_ton: int, source_npi: int) -> bytes:
    body = _c_octets(message_id) + bytes([source_ton, source_npi]) + _c_octets(source_addr)
    return _pdu(QUERY_SM, sequence, body)


def _c_string(body: bytes, start: int) -> tuple[str, int]:
    """A C-octet string at `start`; returns it and the offset after its NUL."""
    end = body.index(b"\0", start)
    return body[start:end].decode("ascii", "replace"), end + 1


def message_id_of(body: bytes) -> str | None:
    """The message_id of a submit_sm_resp body (absent in a refused one)."""
    if not body:
        return None
    try:
        message_id, _ = _c_string(body, 0)
    except ValueError:
        message_id = body.decode("ascii", "replace")
    return message_id or None


@dataclass(frozen=True)
class QueryAnswer:
    """A query_sm_resp (SMPP 3.4, 4.8.2)."""

    message_id: str
    final_date: str  # absolute time format, empty while the message is not final
    message_state: int  # 1 ENROUTE ... 8 REJECTED (5.2.28)
    error_code: int  # network specific error code


def parse_query_sm_resp(body: bytes) -> QueryAnswer:
    """Raises ValueError for a body that is not a query_sm_resp."""
    message_id, offset = _c_string(body, 0)
    final_date, offset = _c_string(body, offset)
    if len(body) < offset + 2:
        raise ValueError("query_sm_resp without message_state and error_code")
    return QueryAnswer(message_id, final_date, body[offset], body[offset + 1])


def relative_time(seconds: int) -> str:
    """SMPP relative time 'YYMMDDhhmmss000R' (7.1.1.2) for a duration, in days and less."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days > 99:
        raise ValueError("at most 99 days")
    return f"0000{days:02d}{hours:02d}{minutes:02d}{secs:02d}000R"
