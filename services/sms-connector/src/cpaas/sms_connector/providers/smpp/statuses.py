"""How SMPP outcomes map onto our statuses: the one table (courier's statusMapping).

A delivery receipt's `stat:` decides the message status (a `StatusMeaning`; status
None: an intermediate receipt, a final one follows); a refused submit_sm is FAILED
unless its command_status says "later" (throttling), in which case it is retried.
"""

from collections.abc import Sequence

from cpaas.connector_kit.statuses import StatusMeaning
from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.sms_connector.domain import statuses

# SMPP 3.4 Appendix B stat values (and the message_state TLV's states)
RECEIPT_STATUS: dict[str, StatusMeaning] = {
    "DELIVRD": StatusMeaning(MessageStatus.DELIVERED),
    "UNDELIV": StatusMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "EXPIRED": StatusMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_EXPIRED),
    "DELETED": StatusMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "UNKNOWN": StatusMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "REJECTD": StatusMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED),
    "ENROUTE": StatusMeaning(None),
    "ACCEPTD": StatusMeaning(None),
}
# a stat outside SMPP 3.4 is final and counts as not delivered
UNRECOGNISED_STAT = StatusMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE)

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
SUBMIT_REFUSED = StatusMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED)


def receipt_meaning(stat: str) -> StatusMeaning:
    return RECEIPT_STATUS.get(stat.upper(), UNRECOGNISED_STAT)


def final_status(stats: Sequence[str], errors: Sequence[str | None]) -> statuses.FinalStatus:
    """A message's final status from its segments' receipts, by this table."""
    return statuses.final_status(stats, errors, receipt_meaning)


def submit_error_code(command_status: int) -> str:
    """The carrier error code of a refused submit_sm, as SMPP writes it: 0x00000045."""
    return f"0x{command_status:08x}"
