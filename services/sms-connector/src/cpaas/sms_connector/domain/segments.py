"""Splitting a text into SMS segments: GSM 03.38 (160, or 153 per part) or UCS-2 (70,
or 67 per part), concatenated with an 8-bit-reference UDH (esm_class 0x40)."""

import zlib
from dataclasses import dataclass

import smsutil

GSM_DATA_CODING, UCS2_DATA_CODING = 0, 8
UDHI = 0x40  # esm_class bit: short_message starts with a user data header
UDH_LENGTH, UDH_IEI_CONCAT_8BIT, UDH_IE_LENGTH = 5, 0x00, 3
MAX_SHORT_MESSAGE_BYTES = 254  # SMPP 3.4 short_message limit
_CODECS = {"gsm0338": ("gsm0338", GSM_DATA_CODING), "utf_16_be": ("utf_16_be", UCS2_DATA_CODING)}


@dataclass(frozen=True)
class EncodedMessage:
    data_coding: int
    esm_class: int
    payloads: list[bytes]  # short_message of each submit_sm, UDH included


class EmptyMessage(ValueError):
    pass


def concat_reference(message_id: str) -> int:
    """Same message, same reference: a resend after a crash reassembles the same way."""
    return zlib.crc32(message_id.encode()) & 0xFF


def encode_message(text: str, reference: int) -> EncodedMessage:
    if not text:
        raise EmptyMessage("the rendered text is empty")
    split = smsutil.split(text)
    codec, data_coding = _CODECS[split.encoding]
    parts = [part.content.encode(codec) for part in split.parts]
    if len(parts) == 1:
        return EncodedMessage(data_coding, 0, parts)
    total = len(parts)
    payloads = [
        bytes([UDH_LENGTH, UDH_IEI_CONCAT_8BIT, UDH_IE_LENGTH, reference, total, seq]) + part
        for seq, part in enumerate(parts, start=1)
    ]
    assert all(len(p) <= MAX_SHORT_MESSAGE_BYTES for p in payloads)
    return EncodedMessage(data_coding, UDHI, payloads)
