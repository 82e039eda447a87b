"""The one small interface every SMS provider implements (an SMSC over SMPP, another
SMSC vendor, an HTTP aggregator: one folder each beside `smpp/`), and the
provider-neutral values that cross it. Shared code names no provider and no protocol;
a provider raises no exception of its own past this interface, only the kit's
`SendError`.

A provider sends a message's parts and says, per part, under which id it took it; it
delivers the receipts it gets on `receipts`, each with the acknowledgement that tells
the provider the receipt is durable (until then the provider keeps it and sends it
again); asked about a part whose receipt never came, it says what it knows.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cpaas.connector_kit.errors import SendError
from cpaas.connector_kit.statuses import StatusMeaning
from cpaas.sms_connector.domain.segments import SmsText


@dataclass(frozen=True)
class SmsMessage:
    """One SMS to one recipient."""

    recipient: str  # E.164 with '+'
    sender_id: str
    text: SmsText
    reference: int  # concatenation reference of its parts: the same for a resend
    dlt_entity_id: str | None = None  # India DLT: the sender ID's Principal Entity ID (approved sender IDs only)
    dlt_template_id: str | None = None  # India DLT: the template's registration


@dataclass(frozen=True)
class Submitted:
    """What the provider made of a message: the id it took each part under, in order
    (None: that part was not taken), and why a part was refused (then the message is)."""

    part_ids: tuple[str | None, ...]
    at: datetime
    refusal: SendError | None = None

    @property
    def accepted_parts(self) -> tuple[tuple[int, str], ...]:
        """(1-based position, provider id) of every part taken."""
        return tuple((seq, pid) for seq, pid in enumerate(self.part_ids, 1) if pid is not None)


@dataclass(frozen=True)
class Receipt:
    """A final or intermediate delivery receipt of one part."""

    carrier_message_id: str  # the provider's id of the part
    stat: str  # the part's status as the provider words it; `receipt_meaning` says what it means
    error: str | None  # the provider's error code
    done_at: datetime | None  # when the provider says it ended
    received_at: datetime  # when the connector got it


@dataclass(frozen=True)
class InboundReceipt:
    """A receipt as read, with its acknowledgement: call `ack()` once the receipt is
    durable (it does nothing if the provider can no longer be told)."""

    receipt: Receipt
    ack: Callable[[], None]


class SmsProvider(Protocol):
    name: str
    receipts: asyncio.Queue[InboundReceipt]

    def start(self) -> None:
        """Connect (and keep connecting) in the background."""
        ...

    async def stop(self) -> None:
        """Disconnect; receipts read until then stay on `receipts`, unacknowledged ones
        are sent again by the provider later."""
        ...

    async def is_ready(self) -> bool:
        """Whether a send could go out now (readiness)."""
        ...

    async def send(self, message: SmsMessage) -> Submitted:
        """Send every part. A refusal is a result (`refusal`); raises SendError(retryable=True)
        when the same send may succeed later (not connected, throttled, no answer in time)."""
        ...

    async def ask(self, carrier_message_id: str, sender_id: str) -> Receipt | None:
        """The receipt a part stands at, if the provider knows a final one; None when it
        does not or could not be asked."""
        ...

    def receipt_meaning(self, stat: str) -> StatusMeaning:
        """What a receipt's status means for us (the provider's mapping table)."""
        ...
