"""SMPP 3.4 framing and the PDUs the sandbox SMSC reads and writes.

aiosmpplib's PDU classes are the codec (the connector uses a different library, so the
two sides check each other). Binds are parsed here because aiosmpplib caps a password
at 8 characters while the local default password is longer.
"""

import asyncio
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiosmpplib import (
    BindReceiverResp,
    BindTransceiverResp,
    BindTransmitterResp,
    DeliverSm,
    OptionalParam,
    PhoneNumber,
    SmppCommand,
    SmppMessage,
    SubmitSm,
    SubmitSmResp,
)
from aiosmpplib.protocol import SmppDataCoding
from aiosmpplib.state import (
    MESSAGE_STATE,
    RECEIPTED_MESSAGE_ID,
    SAR_MSG_REF_NUM,
    SAR_SEGMENT_SEQNUM,
    SAR_TOTAL_SEGMENTS,
)

HEADER = struct.Struct("!IIII")
HEADER_BYTES = 16
MAX_PDU_BYTES = 64 * 1024  # far above any legal PDU; a larger length means a broken peer
SMSC_SYSTEM_ID = "SANDBOX"
SMPP_VERSION_3_4 = 0x34
RESPONSE_BIT = 0x80000000
ESME_RSYSERR = 0x08
SAR_TAGS = (SAR_MSG_REF_NUM, SAR_TOTAL_SEGMENTS, SAR_SEGMENT_SEQNUM)
MAX_ADDRESS_CHARS = 20  # aiosmpplib's PhoneNumber limit

BIND_COMMANDS = {
    SmppCommand.BIND_TRANSCEIVER: (BindTransceiverResp, True, True),
    SmppCommand.BIND_RECEIVER: (BindReceiverResp, True, False),
    SmppCommand.BIND_TRANSMITTER: (BindTransmitterResp, False, True),
}


class FramingError(Exception):
    """The peer sent a command_length no PDU can have; the connection is closed."""


@dataclass(frozen=True)
class Pdu:
    command_id: int
    command_status: int
    sequence: int
    raw: bytes


async def read_pdu(reader: asyncio.StreamReader) -> Pdu:
    """Read one whole PDU; raises IncompleteReadError at end of stream."""
    head = await reader.readexactly(HEADER_BYTES)
    length, command_id, status, sequence = HEADER.unpack(head)
    if not HEADER_BYTES <= length <= MAX_PDU_BYTES:
        raise FramingError(f"command_length {length}")
    return Pdu(command_id, status, sequence, head + await reader.readexactly(length - HEADER_BYTES))


def header_only(command_id: int, status: int, sequence: int) -> bytes:
    """A PDU without a body: error responses, generic_nack, enquire_link_resp, unbind_resp."""
    return HEADER.pack(HEADER_BYTES, command_id, status, sequence)


@dataclass(frozen=True)
class BindRequest:
    command_id: int
    system_id: str
    password: str
    can_receive: bool
    can_transmit: bool


def parse_bind(pdu: Pdu) -> BindRequest:
    """system_id, password, system_type (C-octet strings) lead every bind body."""
    fields = pdu.raw[HEADER_BYTES:].split(b"\0", 3)
    if len(fields) < 4:
        raise ValueError("truncated bind")
    _, can_receive, can_transmit = BIND_COMMANDS[SmppCommand(pdu.command_id)]
    return BindRequest(pdu.command_id, fields[0].decode("ascii"), fields[1].decode("ascii"), can_receive, can_transmit)


def bind_resp(request_command_id: int, sequence: int, status: int) -> bytes:
    """A failed bind's response has no body (SMPP 3.4, 4.1)."""
    resp_class, _, _ = BIND_COMMANDS[SmppCommand(request_command_id)]
    if status:
        return header_only(request_command_id | RESPONSE_BIT, status, sequence)
    return resp_class(sequence_num=sequence, system_id=SMSC_SYSTEM_ID, sc_interface_version=SMPP_VERSION_3_4).pdu()


def submit_sm_resp(sequence: int, message_id: str) -> bytes:
    return SubmitSmResp(sequence_num=sequence, message_id=message_id).pdu()


def submit_sm_error(sequence: int, status: int) -> bytes:
    """A refused submit_sm: status only, no message id (SMPP 3.4, 4.4.2)."""
    return header_only(SmppCommand.SUBMIT_SM_RESP, status, sequence)


@dataclass(frozen=True)
class DecodedSubmit:
    source_addr: str
    destination_addr: str
    text: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    validity_seconds: float | None  # validity_period as a duration from now; None when not set
    tlvs: dict[str, str]
    segment_ref: int | None
    segment_total: int | None
    segment_seq: int | None


def decode_submit(pdu: Pdu) -> DecodedSubmit:
    """Decode a submit_sm: GSM 03.38 or UCS-2 text, UDH or SAR concatenation, TLVs.

    Raises ValueError (or a UnicodeError) for a PDU that cannot be decoded.
    """
    submit = SubmitSm.from_pdu(pdu.raw, SmppMessage.parse_header(pdu.raw), default_encoding="gsm0338")
    assert isinstance(submit, SubmitSm)
    params = submit.optional_params or []
    is_segment = any(p.tag in SAR_TAGS for p in params)
    ref, seq, total = submit.get_segmentation_data()
    return DecodedSubmit(
        source_addr=submit.source.number,
        destination_addr=submit.destination.number,
        text=submit.short_message or submit.message_payload,
        data_coding=SmppDataCoding[submit.encoding].value if submit.encoding else 0,
        esm_class=submit.esm_class,
        registered_delivery=submit.registered_delivery,
        validity_seconds=_seconds_from_now(submit.validity_period),
        tlvs={f"0x{p.tag:04x}": str(p.value) for p in params if p.tag not in SAR_TAGS},
        segment_ref=ref if is_segment else None,
        segment_total=total if is_segment else None,
        segment_seq=seq if is_segment else None,
    )


def _seconds_from_now(validity: datetime | timedelta | None) -> float | None:
    if validity is None:
        return None
    if isinstance(validity, timedelta):
        return validity.total_seconds()
    return (validity - datetime.now(validity.tzinfo)).total_seconds()


@dataclass(frozen=True)
class QuerySm:
    message_id: str
    source_addr: str


def parse_query_sm(pdu: Pdu) -> QuerySm:
    """message_id (C-octet string), source_addr_ton, source_addr_npi, source_addr
    (SMPP 3.4, 4.8.1). Raises ValueError for a truncated body."""
    body = pdu.raw[HEADER_BYTES:]
    end = body.index(b"\0")
    source = body[end + 3 :].split(b"\0", 1)
    if len(source) < 2:
        raise ValueError("truncated query_sm")
    return QuerySm(body[:end].decode("ascii"), source[0].decode("ascii"))


def query_sm_resp(sequence: int, message_id: str, final_date: str, message_state: int, error_code: int) -> bytes:
    """message_id, final_date (C-octet strings), message_state, error_code (SMPP 3.4, 4.8.2)."""
    body = message_id.encode("ascii") + b"\0" + final_date.encode("ascii") + b"\0" + bytes([message_state, error_code])
    return HEADER.pack(HEADER_BYTES + len(body), SmppCommand.QUERY_SM_RESP, 0, sequence) + body


def absolute_time(at: datetime) -> str:
    """SMPP absolute time 'YYMMDDhhmmsstnnp' in UTC (7.1.1.1)."""
    return at.strftime("%y%m%d%H%M%S") + str(at.microsecond // 100_000) + "00+"


def receipt_deliver_sm(
    sequence: int, *, recipient: str, sender: str, text: str, message_id: str, message_state: int
) -> bytes:
    """A delivery receipt: esm_class 0x04, the standard text, receipted_message_id and
    message_state TLVs. The text is ASCII and sent as such (data_coding 0)."""
    deliver = DeliverSm(
        sequence_num=sequence,
        short_message=text,
        source=PhoneNumber(recipient[:MAX_ADDRESS_CHARS]),
        destination=PhoneNumber(sender[:MAX_ADDRESS_CHARS]),
        esm_class=0x04,
        registered_delivery=0,
        optional_params=[OptionalParam(RECEIPTED_MESSAGE_ID, message_id), OptionalParam(MESSAGE_STATE, message_state)],
    )
    deliver.set_encoded_message(text.encode("ascii", "replace"))
    return deliver.pdu()
