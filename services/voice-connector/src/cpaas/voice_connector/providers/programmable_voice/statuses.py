"""The one table: every programmable-voice call status and what it means for us.

A call that was answered and ran to its end (`completed`) delivered the message; one the
callee did not take (`busy`, `no-answer`) is UNDELIVERED; one the network could not
place (`failed`) or that was cancelled is FAILED. The progress statuses in between are
recorded only. The provider's status becomes the event's carrier_error_code.
"""

from cpaas.connector_kit.statuses import StatusMeaning
from cpaas.contracts import ErrorCode, MessageStatus

PROGRESS = StatusMeaning(None)

STATUS_MAPPING: dict[str, StatusMeaning] = {
    "queued": PROGRESS,
    "initiated": PROGRESS,
    "ringing": PROGRESS,
    "in-progress": PROGRESS,
    "completed": StatusMeaning(MessageStatus.DELIVERED),
    "busy": StatusMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "no-answer": StatusMeaning(MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    "failed": StatusMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED),
    "canceled": StatusMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED),
}
UNKNOWN_STATUS = PROGRESS  # a status this table does not know is recorded, never guessed at

# The answer to a create-call request.
CREATE_ACCEPTED = StatusMeaning(MessageStatus.SUBMITTED_OPERATOR)
CREATE_REFUSED = StatusMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED)
# HTTP statuses of a refused create after which the same request may succeed: wrong
# credentials (fixed by configuration, the messages wait), throttling, provider trouble
RETRYABLE_HTTP_STATUSES = frozenset({401, 403, 408, 409, 425, 429})


def status_meaning(provider_status: str) -> StatusMeaning:
    return STATUS_MAPPING.get(provider_status, UNKNOWN_STATUS)


def create_is_retryable(http_status: int) -> bool:
    return http_status in RETRYABLE_HTTP_STATUSES or http_status >= 500
