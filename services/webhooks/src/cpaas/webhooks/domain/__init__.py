"""The webhooks service's rules, without I/O: what a receipt says, how it is signed and
when it is tried again (`receipts`)."""

from cpaas.webhooks.domain.receipts import (
    DELIVERED_STATUSES,
    NOTIFIED_STATUSES,
    SIGNATURE_HEADER,
    SIGNATURE_VERSION,
    TIMESTAMP_HEADER,
    RetrySchedule,
    event_id,
    iso8601,
    receipt_payload,
    signature,
    signature_header,
    signed_headers,
)

__all__ = [
    "DELIVERED_STATUSES",
    "NOTIFIED_STATUSES",
    "SIGNATURE_HEADER",
    "SIGNATURE_VERSION",
    "TIMESTAMP_HEADER",
    "RetrySchedule",
    "event_id",
    "iso8601",
    "receipt_payload",
    "signature",
    "signature_header",
    "signed_headers",
]
