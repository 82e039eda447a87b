"""What an SMPP session is given (a segment: one submit_sm) and gives back."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Segment:
    """One submit_sm: a whole short message or one part of a concatenated one."""

    destination: str  # E.164 digits, no '+'
    source: str  # the sender ID
    payload: bytes  # short_message, UDH included
    data_coding: int
    esm_class: int
    tlvs: tuple[tuple[int, bytes], ...] = ()
    source_ton: int = 5  # alphanumeric
    source_npi: int = 0


def source_address(sender_id: str) -> tuple[int, int]:
    """(TON, NPI) of a sender ID: numeric is an international number, else alphanumeric."""
    return (1, 1) if sender_id.isdigit() else (5, 0)


@dataclass(frozen=True)
class SubmitResult:
    carrier_message_id: str | None  # None when refused
    command_status: int
    at: datetime

    @property
    def accepted(self) -> bool:
        return self.command_status == 0 and bool(self.carrier_message_id)
