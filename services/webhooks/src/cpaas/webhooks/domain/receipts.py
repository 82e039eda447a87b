"""What a delivery receipt says and when it is tried again, without I/O.

A receipt is sent for the statuses a customer acts on (DELIVERED, READ, FAILED,
UNDELIVERED). Its body is JSON built once, when the status event is consumed, and is
the same bytes on every attempt; the signature covers a fresh timestamp and that body.
"""

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cpaas.contracts import CloudEvent, MessageStatus, MessageStatusChangedV1

NOTIFIED_STATUSES = frozenset(
    {MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.FAILED, MessageStatus.UNDELIVERED}
)
DELIVERED_STATUSES = frozenset({MessageStatus.DELIVERED, MessageStatus.READ})
SIGNATURE_VERSION = "v1"
TIMESTAMP_HEADER = "X-CPaaS-Timestamp"
SIGNATURE_HEADER = "X-CPaaS-Signature"


def iso8601(value: datetime) -> str:
    """UTC with milliseconds and a Z (a time without a zone is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text(value: str | None) -> str | None:
    """PostgreSQL text and jsonb cannot hold NUL; a carrier's free-form code sometimes has one."""
    return None if value is None else value.replace("\x00", "")


def receipt_payload(event: CloudEvent[MessageStatusChangedV1]) -> dict[str, Any]:
    """The JSON body POSTed to the customer for one status event.

    `deliveredAt` is the event's time for DELIVERED and READ, else null. `errorCode`
    (the carrier's own code when there is one, else ours) appears on failures only;
    `attempt` and `attemptChannel` appear when the status belongs to a fallback level
    (attempt 2 or 3), so a receiver sees which channel finally reached the recipient.
    """
    data = event.data
    payload: dict[str, Any] = {
        "messageId": data.message_id,
        "recipient": data.recipient,
        "status": data.status.value,
        "channel": data.channel.value,
        "deliveredAt": iso8601(data.occurred_at) if data.status in DELIVERED_STATUSES else None,
    }
    if data.status.is_failure:
        payload["errorCode"] = _text(data.carrier_error_code) or (data.error_code.value if data.error_code else None)
    if data.attempt > 1:
        payload["attempt"] = data.attempt
        payload["attemptChannel"] = data.channel.value
    payload["eventId"] = event_id(event)
    return payload


def event_id(event: CloudEvent) -> str:
    """The event's id as stored and sent (a producer's id is any string, NUL excepted here)."""
    return _text(event.id) or ""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of "<timestamp>.<body>" under the account's secret."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """One `v1=` entry per secret, comma-separated, the current secret first: while a
    rotated-out secret is in its grace period a receipt carries a signature by each
    (Stripe-style), so a receiver verifying with either secret accepts it. With one
    secret the header is exactly `v1=<hex>`, as before rotation existed."""
    return ",".join(signature(secret, timestamp, body) for secret in secrets)


def signed_headers(secret: str | Sequence[str], timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one POST; `secret` is the account's secret, or its current and
    still-valid previous secrets (current first)."""
    secrets = (secret,) if isinstance(secret, str) else tuple(secret)
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(secrets, timestamp, body),
    }


@dataclass(frozen=True)
class RetrySchedule:
    """Exponential backoff with full jitter: the wait before attempt n+1 is drawn uniformly
    between `min_seconds` and min(max_interval, base * factor**(n-1)); a receipt still not
    accepted `give_up_after` after it was queued is given up."""

    base_seconds: float
    factor: float
    min_seconds: float
    max_interval_seconds: float
    give_up_after_seconds: float

    def cap(self, attempt: int) -> float:
        """The longest wait after the `attempt`-th failure (attempt counts from 1)."""
        exponent = min(attempt - 1, 64)  # beyond this the cap is the max interval anyway
        return min(self.max_interval_seconds, self.base_seconds * self.factor**exponent)

    def next_attempt_at(
        self, attempt: int, created_at: datetime, now: datetime, rng: random.Random | None = None
    ) -> datetime | None:
        """When to try again after the `attempt`-th failure, or None to give up.

        The last attempt is made at the deadline itself rather than skipped, so a receiver
        that comes back within the give-up window always gets its receipt.
        """
        deadline = created_at + timedelta(seconds=self.give_up_after_seconds)
        if now >= deadline:
            return None
        cap = self.cap(attempt)
        low = min(self.min_seconds, cap)
        delay = (rng or random).uniform(low, cap)
        return min(now + timedelta(seconds=delay), deadline)
