"""What one message event adds to the per-minute aggregates.

A submit counts once per message attempt (`<id>/<attempt>/S`), a delivery once
(`.../D`, DELIVERED; READ follows a delivery and adds nothing) and a failure once
(`.../F`, FAILED or UNDELIVERED: the router's FAILED after a connector's UNDELIVERED is
the same failure). The key is kept in the `counted` table with the counts, so a
redelivered or repeated event adds nothing (idempotent under at-least-once delivery).
"""

import hashlib
import re
from datetime import UTC, datetime
from typing import NamedTuple

from cpaas.contracts import MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.phone import SHARED, calling_code_region, region_of

UNKNOWN_COUNTRY = "ZZ"
OTP_NAME = re.compile(r"(?:^|[^a-z])(otp|auth|verif|verify|login|passcode|2fa|mfa|one[_ -]?time|code)", re.IGNORECASE)
OTP_VARIABLE = re.compile(r"^(otp|code|pin|passcode|verification_?code|auth_?code)$", re.IGNORECASE)
FAILED = frozenset({MessageStatus.FAILED, MessageStatus.UNDELIVERED})

_COUNTRIES: dict[str, str] = {}  # by number prefix, for calling codes several regions share
_OTP: dict[tuple, bool] = {}
_MINUTES: dict[tuple, datetime] = {}
CACHE_MAX = 100_000


def prefix_of(recipient: str) -> str:
    """The number without its last 4 digits (`+91987654` for +919876543210)."""
    return recipient[:-4]


def country_of(recipient: str) -> str:
    """ISO region of an E.164 number: its calling code's when the code has one region (+91 is
    IN); else phonenumbers' for the number (+1 is US, CA or a Caribbean country by area
    code), cached by its prefix (a number range has one country)."""
    region = calling_code_region(recipient)
    if region is not SHARED:
        return region or UNKNOWN_COUNTRY
    prefix = recipient[:-4]
    country = _COUNTRIES.get(prefix)
    if country is None:
        country = region_of(recipient) or UNKNOWN_COUNTRY
        if len(_COUNTRIES) > 500_000:
            _COUNTRIES.clear()
        _COUNTRIES[prefix] = country
    return country


def is_otp(template_name: str | None, variables: dict[str, str]) -> bool:
    """An authentication / OTP message: its template's name says so, or a variable is a code
    (cached by the name and the variables' names: a template's messages share both)."""
    key = (template_name, *variables)
    otp = _OTP.get(key)
    if otp is None:
        otp = bool(template_name and OTP_NAME.search(template_name)) or any(OTP_VARIABLE.match(k) for k in variables)
        if len(_OTP) > CACHE_MAX:
            _OTP.clear()
        _OTP[key] = otp
    return otp


def content_hash(template_id: int, variables: dict[str, str]) -> str:
    """The same template with the same variables is the same text."""
    raw = f"{template_id}\x1f" + "\x1f".join(f"{k}={v}" for k, v in sorted(variables.items()))
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def minute_of(at: datetime) -> datetime:
    """The UTC minute `at` falls in (an aware time; cached: the events of one minute share it)."""
    key = (at.minute, at.hour, at.day, at.month, at.year, at.tzinfo)
    minute = _MINUTES.get(key)
    if minute is None:
        if len(_MINUTES) > CACHE_MAX:
            _MINUTES.clear()
        minute = _MINUTES[key] = at.replace(second=0, microsecond=0).astimezone(UTC)
    return minute


class Fact(NamedTuple):
    """One countable fact of one event: its key (for `counted`), where it counts (the minute
    row's key) and what it adds; the fields are the columns the store's statement takes."""

    key: str
    minute: datetime
    account_id: int
    channel: str
    sender_id: str  # '' none
    country: str
    prefix: str
    template_id: int  # 0 none
    submitted: int
    otp: int
    delivered: int
    failed: int
    blacklisted: int
    otp_recipient: str | None = None
    content: str | None = None


def submit_fact(event: MessageSubmittedV1) -> Fact:
    otp = is_otp(event.template_name, event.variables)
    recipient = event.recipient
    return Fact(
        f"{event.message_id}/{event.attempt}/S",
        minute_of(event.submitted_at),
        event.account_id,
        event.channel.value,
        event.sender_id or "",
        country_of(recipient),
        recipient[:-4],
        event.template_id,
        1,
        int(otp),
        0,
        0,
        0,
        recipient if otp else None,
        None if otp else content_hash(event.template_id, event.variables),
    )


_DELIVERED = (1, 0, 0, "D")
_FAILED = (0, 1, 0, "F")
_BLACKLISTED = (0, 1, 1, "F")


def status_fact(event: MessageStatusChangedV1) -> Fact | None:
    """A delivery or a failure; None for any other status (nothing to count)."""
    status = event.status
    if status is MessageStatus.DELIVERED:
        delivered, failed, blacklisted, outcome = _DELIVERED
    elif status in FAILED:
        delivered, failed, blacklisted, outcome = (
            _BLACKLISTED if event.error_code is ErrorCode.RECIPIENT_BLACKLISTED else _FAILED
        )
    else:
        return None
    recipient = event.recipient
    return Fact(
        f"{event.message_id}/{event.attempt}/{outcome}",
        minute_of(event.occurred_at),
        event.account_id,
        event.channel.value,
        event.sender_id or "",
        country_of(recipient),
        recipient[:-4],
        event.template_id or 0,
        0,
        0,
        delivered,
        failed,
        blacklisted,
    )
