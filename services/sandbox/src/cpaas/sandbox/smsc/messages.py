"""What the SMSC knows of each message it accepted, for query_sm (SMPP 3.4, 4.8).

A message is ENROUTE until its outcome falls due (`receipt_delay_seconds` after the
submit_sm_resp), then in the state its outcome says (DELIVERED, UNDELIVERABLE) with that
time as its final date. A message whose outcome is SILENT (recipient ending 902) stays
ENROUTE for ever, as a message whose handset never answers does. The newest
`known_messages_max` are kept; an older one is unknown (ESME_RINVMSGID).
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from cpaas.sandbox.smsc.receipts import ReceiptKind

ENROUTE = 1  # message_state (SMPP 3.4, 5.2.28)


@dataclass(frozen=True)
class KnownMessage:
    system_id: str
    source_addr: str
    kind: ReceiptKind | None  # None: no outcome ever (SILENT)
    due_at: datetime  # when its outcome falls due

    def state_at(self, now: datetime) -> tuple[int, datetime | None, int]:
        """(message_state, final date or None, network error code) as of `now`."""
        if self.kind is None or now < self.due_at:
            return ENROUTE, None, 0
        return self.kind.message_state, self.due_at, self.kind.err


class KnownMessages:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, KnownMessage] = OrderedDict()

    def add(self, message_id: str, message: KnownMessage) -> None:
        self._items[message_id] = message
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, message_id: str) -> KnownMessage | None:
        return self._items.get(message_id)
