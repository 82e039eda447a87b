"""Delivery receipts: which receipt a magic-number outcome gets, and its text.

The text follows SMPP 3.4 Appendix B: `id:<id> sub:001 dlvrd:001 submit date:YYMMDDhhmm
done date:YYMMDDhhmm stat:DELIVRD err:000 text:<first 20 characters>`. Dates are UTC.
"""

import string
from dataclasses import dataclass
from datetime import datetime

from cpaas.sandbox.outcomes import Outcome

RECEIPT_TEXT_CHARS = 20
# characters that are the same bytes in GSM 03.38 and ASCII, so any reader decodes them
_SAFE_CHARS = frozenset(string.ascii_letters + string.digits + " !\"#%&'()*+,-./:;<=>?")
SMPP_DATE = "%y%m%d%H%M"


@dataclass(frozen=True)
class ReceiptKind:
    stat: str
    err: int
    message_state: int  # message_state TLV (SMPP 3.4, 5.2.28)
    dlvrd: int


DELIVERED = ReceiptKind("DELIVRD", 0, 2, 1)
UNDELIVERABLE = ReceiptKind("UNDELIV", 1, 5, 0)  # err 001: unknown subscriber (GSM MAP cause 1)

# SMS only (every other channel delivers it normally): accepted and delivered, but the
# receipt is lost on the way, never sent; query_sm answers DELIVERED
RECEIPT_LOST_SUFFIX = "908"
RECEIPT_LOST = "RECEIPT_LOST"  # its outcome in GET /sandbox/smsc/messages and the metrics

# the outcome each magic number has (None: no outcome ever, the message stays ENROUTE)
RECEIPT_FOR_OUTCOME: dict[Outcome, ReceiptKind | None] = {
    Outcome.DELIVERED: DELIVERED,
    Outcome.UNDELIVERABLE: UNDELIVERABLE,
    Outcome.SILENT: None,
    Outcome.CHANNEL_NOT_SUPPORTED: DELIVERED,
    Outcome.NEVER_READ: DELIVERED,
    Outcome.REFUSED: None,
}


@dataclass
class Receipt:
    """A receipt owed to the ESME `system_id` for one accepted submit_sm."""

    system_id: str
    message_id: str
    recipient: str  # the receipt's source_addr
    sender: str  # the receipt's destination_addr
    kind: ReceiptKind
    submitted_at: datetime
    text: str
    done_at: datetime | None = None  # set when the receipt first falls due

    def short_message(self, done_at: datetime) -> str:
        sample = "".join(c if c in _SAFE_CHARS else "?" for c in self.text[:RECEIPT_TEXT_CHARS])
        return (
            f"id:{self.message_id} sub:001 dlvrd:{self.kind.dlvrd:03d}"
            f" submit date:{self.submitted_at.strftime(SMPP_DATE)} done date:{done_at.strftime(SMPP_DATE)}"
            f" stat:{self.kind.stat} err:{self.kind.err:03d} text:{sample}"
        )


def receipt_lost(recipient: str) -> bool:
    return recipient.strip()[-3:] == RECEIPT_LOST_SUFFIX
