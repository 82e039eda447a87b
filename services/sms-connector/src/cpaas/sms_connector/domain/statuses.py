"""How SMPP outcomes map onto our statuses: the one table (courier's statusMapping).

A delivery receipt's `stat:` decides the message status; a refused submit_sm is FAILED
unless its command_status says "later" (throttling), in which case it is retried.
"""

from dataclasses import dataclass

from cpaas.contracts import ErrorCode, MessageStatus


@dataclass(frozen=True)
class ReceiptMeaning:
    status: MessageStatus | None  # None: an intermediate receipt, a final one follows
    error_code: ErrorCode | None = None

    @property
    def is_final(self) -> bool:
        return self.status is not None


DELIVERED_STAT = "DELIVRD"

# SMPP 3.4 Appendix B stat values (and the message_state TLV's states)
RECEIPT_STATUS: dict[str, ReceiptMeaning] = {
    "DELIVRD": ReceiptMeaning(MessageStatus.DELIVERED),
    "UNDELIV": ReceiptMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "EXPIRED": ReceiptMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_EXPIRED),
    "DELETED": ReceiptMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "UNKNOWN": ReceiptMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "REJECTD": ReceiptMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED),
    "ENROUTE": ReceiptMeaning(None),
    "ACCEPTD": ReceiptMeaning(None),
}
# a stat outside SMPP 3.4 is final and counts as not delivered
UNRECOGNISED_STAT = ReceiptMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE)

# message_state TLV (SMPP 3.4, 5.2.28) -> stat, for receipts whose text has no stat
MESSAGE_STATE_STAT: dict[int, str] = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}

# query_sm_resp message_state values that are a final outcome; UNKNOWN (7) is not one
# when asked (the SMSC does not know: the receipt deadline decides), though a receipt
# saying UNKNOWN is final
QUERY_FINAL_STATES = frozenset({2, 3, 4, 5, 8})

# submit_sm_resp statuses after which the same submit may succeed later
ESME_RMSGQFUL, ESME_RTHROTTLED = 0x14, 0x58
RETRYABLE_SUBMIT_STATUSES = frozenset({ESME_RMSGQFUL, ESME_RTHROTTLED})
SUBMIT_REFUSED = ReceiptMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED)


def receipt_meaning(stat: str) -> ReceiptMeaning:
    return RECEIPT_STATUS.get(stat.upper(), UNRECOGNISED_STAT)


@dataclass(frozen=True)
class FinalStatus:
    status: MessageStatus
    error_code: ErrorCode | None = None
    carrier_error_code: str | None = None
    error_detail: str | None = None


def final_status(stats: list[str], errors: list[str | None]) -> FinalStatus:
    """One status for a message from the final receipts of all its segments (in order):
    DELIVERED when every segment was delivered, else what the first failed segment says."""
    for stat, error in zip(stats, errors, strict=True):
        if stat.upper() == DELIVERED_STAT:
            continue
        meaning = receipt_meaning(stat)
        assert meaning.status is not None, "only final receipts are stored"
        return FinalStatus(meaning.status, meaning.error_code, error, stat)
    return FinalStatus(MessageStatus.DELIVERED)


def submit_error_code(command_status: int) -> str:
    """The carrier error code of a refused submit_sm, as SMPP writes it: 0x00000045."""
    return f"0x{command_status:08x}"
