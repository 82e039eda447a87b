"""Every RBM outcome mapped onto ours, in one place (courier's statusMapping).

User events decide a message's status; an error answer (google.rpc.Code name in
`error.status`) decides whether a call failed for good and with which of our codes;
a template review state decides the template's status.
"""

from dataclasses import dataclass

from cpaas.contracts import ErrorCode, MessageStatus

# RBM user event type -> our status; other events (IS_TYPING, TEXT replies...) are ignored
EVENT_STATUS: dict[str, MessageStatus] = {
    "DELIVERED": MessageStatus.DELIVERED,
    "READ": MessageStatus.READ,
}


@dataclass(frozen=True)
class ErrorMeaning:
    error_code: ErrorCode
    retryable: bool


# error.status of an RBM error answer -> what it means for the call
ERROR_MEANING: dict[str, ErrorMeaning] = {
    "INVALID_ARGUMENT": ErrorMeaning(ErrorCode.CARRIER_REJECTED, retryable=False),
    "FAILED_PRECONDITION": ErrorMeaning(ErrorCode.CARRIER_REJECTED, retryable=False),
    "OUT_OF_RANGE": ErrorMeaning(ErrorCode.CARRIER_REJECTED, retryable=False),
    "NOT_FOUND": ErrorMeaning(ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT, retryable=False),  # not RCS-reachable
    "UNAUTHENTICATED": ErrorMeaning(ErrorCode.CHANNEL_NOT_CONFIGURED, retryable=False),  # bot secret refused
    "PERMISSION_DENIED": ErrorMeaning(ErrorCode.CHANNEL_NOT_CONFIGURED, retryable=False),  # bot not launched
    "RESOURCE_EXHAUSTED": ErrorMeaning(ErrorCode.CARRIER_UNAVAILABLE, retryable=True),  # rate limited
    "ABORTED": ErrorMeaning(ErrorCode.CARRIER_UNAVAILABLE, retryable=True),
    "DEADLINE_EXCEEDED": ErrorMeaning(ErrorCode.CARRIER_UNAVAILABLE, retryable=True),
    "INTERNAL": ErrorMeaning(ErrorCode.CARRIER_UNAVAILABLE, retryable=True),
    "UNAVAILABLE": ErrorMeaning(ErrorCode.CARRIER_UNAVAILABLE, retryable=True),
}
# an answer without a known error.status: by its HTTP status class
CLIENT_ERROR = ErrorMeaning(ErrorCode.CARRIER_REJECTED, retryable=False)
SERVER_ERROR = ErrorMeaning(ErrorCode.CARRIER_UNAVAILABLE, retryable=True)
HTTP_RETRYABLE = frozenset({408, 429})
# a send refused with this status was accepted under the same message id before
ALREADY_ACCEPTED = "ALREADY_EXISTS"

# RBM template review state -> our template status (a provider rejection is FAILED:
# REJECTED is the admin's verdict in the console)
TEMPLATE_STATUS: dict[str, str] = {"PENDING": "PENDING", "APPROVED": "APPROVED", "REJECTED": "FAILED"}


def error_meaning(http_status: int, rbm_status: str | None) -> ErrorMeaning:
    if rbm_status in ERROR_MEANING:
        return ERROR_MEANING[rbm_status]
    if http_status >= 500 or http_status in HTTP_RETRYABLE:
        return SERVER_ERROR
    return CLIENT_ERROR
