"""What the SMSC received, kept in memory (bounded) for GET /sandbox/smsc/messages."""

from collections import deque
from datetime import datetime

from pydantic import BaseModel, Field


class ReceivedSubmit(BaseModel):
    """One submit_sm as the SMSC saw it."""

    recipient: str = Field(description="destination_addr as received (no '+')")
    source_addr: str
    text: str = Field(description="short_message (or message_payload) decoded; the UDH is not part of it")
    data_coding: int
    esm_class: int
    registered_delivery: int
    segment_ref: int | None = Field(None, description="concatenation reference (UDH or SAR), when a segment")
    segment_total: int | None = None
    segment_seq: int | None = None
    tlvs: dict[str, str] = Field(description="optional parameters, tag in hex ('0x1400') -> value")
    carrier_message_id: str | None = Field(description="the id in submit_sm_resp; null when refused")
    command_status: int = Field(description="status of the submit_sm_resp (0 = accepted)")
    outcome: str = Field(description="the magic-number outcome applied (RECEIPT_LOST for a recipient ending 908)")
    validity_seconds: float | None = Field(
        None, description="validity_period as a duration from the submit (relative or absolute), when set"
    )
    received_at: datetime


class ReceivedLog:
    def __init__(self, size: int) -> None:
        self._items: deque[ReceivedSubmit] = deque(maxlen=size)

    def add(self, item: ReceivedSubmit) -> None:
        self._items.append(item)

    def find(self, recipient: str | None = None, limit: int | None = None) -> list[ReceivedSubmit]:
        """Oldest first; `recipient` matches with or without its leading '+'."""
        wanted = recipient.lstrip("+") if recipient else None
        items = [i for i in self._items if wanted is None or i.recipient.lstrip("+") == wanted]
        return items[-limit:] if limit else items
