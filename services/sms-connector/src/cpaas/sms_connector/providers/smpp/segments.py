"""The short_message of each submit_sm of a text: GSM 03.38 (data_coding 0) or UCS-2
(8); the parts of a concatenated message each behind an 8-bit-reference UDH
(esm_class 0x40)."""

from dataclasses import dataclass

from cpaas.sms_connector.domain.segments import SmsText, split_text

GSM_DATA_CODING, UCS2_DATA_CODING = 0, 8
UDHI = 0x40  # esm_class bit: short_message starts with a user data header
UDH_LENGTH, UDH_IEI_CONCAT_8BIT, UDH_IE_LENGTH = 5, 0x00, 3
MAX_SHORT_MESSAGE_BYTES = 254  # SMPP 3.4 short_message limit
_CODECS = {"GSM": ("gsm0338", GSM_DATA_CODING), "UCS2": ("utf_16_be", UCS2_DATA_CODING)}


@dataclass(frozen=True)
class EncodedMessage:
    data_coding: int
    esm_class: int
    payloads: list[bytes]  # short_message of each submit_sm, UDH included


def encode_parts(text: SmsText, reference: int) -> EncodedMessage:
    codec, data_coding = _CODECS[text.alphabet]
    parts = [part.encode(codec) for part in text.parts]
    if len(parts) == 1:
        return EncodedMessage(data_coding, 0, parts)
    total = len(parts)
    payloads = [
        bytes([UDH_LENGTH, UDH_IEI_CONCAT_8BIT, UDH_IE_LENGTH, reference, total, seq]) + part
        for seq, part in enumerate(parts, start=1)
    ]
    assert all(len(p) <= MAX_SHORT_MESSAGE_BYTES for p in payloads)
    return EncodedMessage(data_coding, UDHI, payloads)


def encode_message(text: str, reference: int) -> EncodedMessage:
    """The short messages of a text; raises EmptyMessage for an empty one."""
    return encode_parts(split_text(text), reference)
