"""Error codes returned by every HTTP API and carried on failed status events, and the
refusal every API raises: `ApiError`, answered as {"error": {"code", "message", "field"}}
(cpaas.platform.api_errors turns it into the HTTP response)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    # request errors (the HTTP status each maps to is in HTTP_STATUS)
    INVALID_JSON = "INVALID_JSON"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_RECIPIENT = "INVALID_RECIPIENT"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
    NOT_FOUND = "NOT_FOUND"
    TEMPLATE_NOT_FOUND = "TEMPLATE_NOT_FOUND"
    TEMPLATE_NOT_APPROVED = "TEMPLATE_NOT_APPROVED"
    # a WhatsApp or RCS template the admin approved that its provider (Meta, RBM) has not (yet)
    TEMPLATE_NOT_APPROVED_BY_PROVIDER = "TEMPLATE_NOT_APPROVED_BY_PROVIDER"
    TEMPLATE_CHANNEL_MISMATCH = "TEMPLATE_CHANNEL_MISMATCH"
    SENDER_ID_REQUIRED = "SENDER_ID_REQUIRED"
    SENDER_ID_NOT_APPROVED = "SENDER_ID_NOT_APPROVED"
    CHANNEL_NOT_CONFIGURED = "CHANNEL_NOT_CONFIGURED"
    RECIPIENT_BLACKLISTED = "RECIPIENT_BLACKLISTED"
    MISSING_VARIABLES = "MISSING_VARIABLES"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    RATE_LIMITED = "RATE_LIMITED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    # a request with this Idempotency-Key is still being queued: retry after Retry-After
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"
    CONFLICT = "CONFLICT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    # the compliance check rates a template HIGH risk: the submit must confirm it (confirmHighRisk)
    HIGH_RISK_CONFIRMATION_REQUIRED = "HIGH_RISK_CONFIRMATION_REQUIRED"
    FRAUD_HOLD = "FRAUD_HOLD"  # the destination is on one of the account's fraud holds (cpaas.contracts.fraud)
    # a webhook URL the platform may not send to (loopback, private, metadata, credentials, ...)
    WEBHOOK_URL_NOT_ALLOWED = "WEBHOOK_URL_NOT_ALLOWED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # delivery errors (on FAILED / UNDELIVERED status events)
    CARRIER_REJECTED = "CARRIER_REJECTED"
    CARRIER_UNDELIVERABLE = "CARRIER_UNDELIVERABLE"
    CARRIER_EXPIRED = "CARRIER_EXPIRED"
    CARRIER_UNAVAILABLE = "CARRIER_UNAVAILABLE"
    NO_DELIVERY_RECEIPT = "NO_DELIVERY_RECEIPT"
    # an attempt's receipt deadline passed with no receipt (and the carrier could not be asked,
    # or did not know): UNDELIVERED with this code; a late receipt still supersedes it
    RECEIPT_EXPIRED = "RECEIPT_EXPIRED"
    CHANNEL_NOT_SUPPORTED_BY_RECIPIENT = "CHANNEL_NOT_SUPPORTED_BY_RECIPIENT"
    RENDER_FAILED = "RENDER_FAILED"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.INVALID_RECIPIENT: 422,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.IP_NOT_ALLOWED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.TEMPLATE_NOT_FOUND: 404,
    ErrorCode.TEMPLATE_NOT_APPROVED: 422,
    ErrorCode.TEMPLATE_NOT_APPROVED_BY_PROVIDER: 422,
    ErrorCode.TEMPLATE_CHANNEL_MISMATCH: 422,
    ErrorCode.SENDER_ID_REQUIRED: 422,
    ErrorCode.SENDER_ID_NOT_APPROVED: 422,
    ErrorCode.CHANNEL_NOT_CONFIGURED: 422,
    ErrorCode.RECIPIENT_BLACKLISTED: 422,
    ErrorCode.MISSING_VARIABLES: 422,
    ErrorCode.INSUFFICIENT_BALANCE: 402,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.IDEMPOTENCY_CONFLICT: 409,
    ErrorCode.IDEMPOTENCY_IN_PROGRESS: 409,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.HIGH_RISK_CONFIRMATION_REQUIRED: 422,
    ErrorCode.FRAUD_HOLD: 403,
    ErrorCode.WEBHOOK_URL_NOT_ALLOWED: 422,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.INTERNAL_ERROR: 500,
}


class ApiError(Exception):
    """A refusal of a request: its code, a message for a human, the field at fault; the
    HTTP status is the code's (HTTP_STATUS) unless given. Plain data, so rules without I/O
    (a service's domain/) raise it as its API does."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field
        self.status = status or HTTP_STATUS.get(code, 400)
        self.headers = headers

    def body(self) -> dict:
        return {"error": {"code": self.code.value, "message": self.message, "field": self.field}}
