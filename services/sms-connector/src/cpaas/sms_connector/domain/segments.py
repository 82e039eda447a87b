"""How a text goes out as SMS: its alphabet and the parts it is cut into.

GSM 03.38 when every character is in it, else UCS-2; 160 GSM characters (70 UCS-2) go
as one message, a longer text as parts of 153 (67) each, an emoji never cut in half.
No provider terms: a provider encodes the parts its own way (SMPP: `providers/smpp/segments.py`).
"""

import zlib
from dataclasses import dataclass
from typing import Literal

import smsutil

Alphabet = Literal["GSM", "UCS2"]
_ALPHABETS: dict[str, Alphabet] = {"gsm0338": "GSM", "utf_16_be": "UCS2"}


class EmptyMessage(ValueError):
    pass


@dataclass(frozen=True)
class SmsText:
    """A rendered text cut into the parts it goes out as (one part: no concatenation)."""

    alphabet: Alphabet
    parts: tuple[str, ...]

    @property
    def segments(self) -> int:
        return len(self.parts)


def split_text(text: str) -> SmsText:
    if not text:
        raise EmptyMessage("the rendered text is empty")
    split = smsutil.split(text)
    return SmsText(_ALPHABETS[split.encoding], tuple(part.content for part in split.parts))


def concat_reference(message_id: str) -> int:
    """Same message, same reference: a resend after a crash reassembles the same way."""
    return zlib.crc32(message_id.encode()) & 0xFF
