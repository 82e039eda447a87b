"""How Cloud API outcomes map onto ours: the one table (courier's statusMapping).

- A send answered 200 with a wamid is our SUBMITTED_OPERATOR, published by the send path;
  the `sent` webhook that follows therefore publishes nothing.
- `delivered` -> DELIVERED, `read` -> READ, `failed` -> FAILED. A failed status's error
  131026 (no WhatsApp on the handset, old app, terms not accepted) is
  CHANNEL_NOT_SUPPORTED_BY_RECIPIENT, so fallback can move to the next channel; any other
  is CARRIER_UNDELIVERABLE. The provider's code is kept as `carrier_error_code`.
- A send refused with an error answer: retryable when the code or HTTP status says the
  same call may succeed later (throttling, service unavailable, 5xx, 429); else FAILED.
"""

from typing import Literal

from cpaas.contracts import ErrorCode, MessageStatus

STATUS_MAPPING: dict[str, MessageStatus | None] = {
    "sent": None,  # SUBMITTED_OPERATOR was published when the send was accepted
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "played": MessageStatus.READ,  # a voice message listened to
    "failed": MessageStatus.FAILED,
    "deleted": None,  # the user deleted it (after delivery): no status of ours
    "warning": None,  # a catalogue item problem: informational
}

RECIPIENT_WITHOUT_WHATSAPP = 131026

# codes of a failed status that say more than "not delivered"
FAILED_STATUS_ERRORS: dict[int, ErrorCode] = {
    RECIPIENT_WITHOUT_WHATSAPP: ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT,
}
FAILED_STATUS_DEFAULT = ErrorCode.CARRIER_UNDELIVERABLE

# codes of an error answer to a send (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
RETRYABLE_SEND_ERRORS = frozenset(
    {
        1,  # API unknown
        2,  # API service temporarily unavailable
        4,  # API too many calls
        80007,  # rate limit hit (WABA)
        130429,  # throughput rate limit
        131000,  # something went wrong
        131048,  # spam rate limit
        131056,  # pair rate limit (same recipient too often)
        133004,  # server temporarily unavailable
    }
)
SEND_ERRORS: dict[int, ErrorCode] = {
    RECIPIENT_WITHOUT_WHATSAPP: ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT,
    190: ErrorCode.CHANNEL_NOT_CONFIGURED,  # access token expired or invalid
    10: ErrorCode.CHANNEL_NOT_CONFIGURED,  # permission denied
    200: ErrorCode.CHANNEL_NOT_CONFIGURED,  # permission denied
    131031: ErrorCode.CHANNEL_NOT_CONFIGURED,  # business account locked
    133010: ErrorCode.CHANNEL_NOT_CONFIGURED,  # phone number not registered
    132000: ErrorCode.RENDER_FAILED,  # parameter count mismatch
    132005: ErrorCode.RENDER_FAILED,  # translated text too long
    132007: ErrorCode.RENDER_FAILED,  # format character policy violated
    132012: ErrorCode.RENDER_FAILED,  # parameter format mismatch
    132001: ErrorCode.TEMPLATE_NOT_APPROVED,  # template does not exist (in this language)
    132015: ErrorCode.TEMPLATE_NOT_APPROVED,  # template paused
    132016: ErrorCode.TEMPLATE_NOT_APPROVED,  # template disabled
}

TemplateStatus = Literal["PENDING", "APPROVED", "FAILED"]
# message_template_status_update events. A provider's rejection is our FAILED (with its
# reason); our REJECTED is an admin's decision, which is the console's business.
TEMPLATE_EVENTS: dict[str, TemplateStatus] = {
    "APPROVED": "APPROVED",
    "REINSTATED": "APPROVED",
    "PENDING": "PENDING",
    "IN_APPEAL": "PENDING",
    "REJECTED": "FAILED",
    "DISABLED": "FAILED",
}


def status_for(provider_status: str) -> MessageStatus | None:
    return STATUS_MAPPING.get(provider_status.lower())


def failed_status_error(code: int | None) -> ErrorCode:
    return FAILED_STATUS_ERRORS.get(code, FAILED_STATUS_DEFAULT) if code is not None else FAILED_STATUS_DEFAULT


def send_error_is_retryable(http_status: int, code: int | None) -> bool:
    return http_status >= 500 or http_status == 429 or code in RETRYABLE_SEND_ERRORS


def send_error_code(http_status: int, code: int | None) -> ErrorCode:
    if code in SEND_ERRORS:
        return SEND_ERRORS[code]
    return ErrorCode.CARRIER_UNAVAILABLE if send_error_is_retryable(http_status, code) else ErrorCode.CARRIER_REJECTED


def template_status_for(event: str) -> TemplateStatus | None:
    return TEMPLATE_EVENTS.get(event.upper())
