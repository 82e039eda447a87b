"""What one message event adds to the per-minute aggregates.

A submit counts once per message attempt (`<id>/<attempt>/S`), a delivery once
(`.../D`, DELIVERED; READ follows a delivery and adds nothing) and a failure once
(`.../F`, FAILED or UNDELIVERED: the router's FAILED after a connector's UNDELIVERED is
the same failure). The key is kept in the `counted` table with the counts, so a
redelivered or repeated event adds nothing (idempotent under at-least-once delivery).
"""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers

from cpaas.contracts import MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.errors import ErrorCode

UNKNOWN_COUNTRY = "ZZ"
OTP_NAME = re.compile(r"(?:^|[^a-z])(otp|auth|verif|verify|login|passcode|2fa|mfa|one[_ -]?time|code)", re.IGNORECASE)
OTP_VARIABLE = re.compile(r"^(otp|code|pin|passcode|verification_?code|auth_?code)$", re.IGNORECASE)
FAILED = frozenset({MessageStatus.FAILED, MessageStatus.UNDELIVERED})

_COUNTRIES: dict[str, str] = {}


def prefix_of(recipient: str) -> str:
    """The number without its last 4 digits (`+91987654` for +919876543210)."""
    return recipient[:-4]


def country_of(recipient: str) -> str:
    """ISO region of the number (cached by its prefix: a number range has one country)."""
    prefix = prefix_of(recipient)
    country = _COUNTRIES.get(prefix)
    if country is None:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(recipient, None))
        except phonenumbers.NumberParseException:
            region = None
        country = region if region and region not in ("ZZ", "001") else UNKNOWN_COUNTRY
        if len(_COUNTRIES) > 500_000:
            _COUNTRIES.clear()
        _COUNTRIES[prefix] = country
    return country


def is_otp(template_name: str | None, variables: dict[str, str]) -> bool:
    """An authentication / OTP message: its template's name says so, or a variable is a code."""
    if template_name and OTP_NAME.search(template_name):
        return True
    return any(OTP_VARIABLE.match(k) for k in variables)


def content_hash(template_id: int, variables: dict[str, str]) -> str:
    """The same template with the same variables is the same text."""
    raw = f"{template_id}\x1f" + "\x1f".join(f"{k}={v}" for k, v in sorted(variables.items()))
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def minute_of(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


TrafficKey = tuple[
    datetime, int, str, str, str, str, int
]  # minute, account, channel, sender, country, prefix, template
TRAFFIC_COUNTS = ("submitted", "otp", "delivered", "failed", "blacklisted")


@dataclass(frozen=True, slots=True)
class Fact:
    """One countable fact of one event: its key (for `counted`) and what it adds."""

    key: str
    minute: datetime
    traffic: TrafficKey
    counts: tuple[int, int, int, int, int]  # TRAFFIC_COUNTS
    otp_recipient: str | None = None
    content: str | None = None


def submit_fact(event: MessageSubmittedV1) -> Fact:
    minute = minute_of(event.submitted_at)
    otp = is_otp(event.template_name, event.variables)
    key = (
        minute,
        event.account_id,
        event.channel.value,
        event.sender_id or "",
        country_of(event.recipient),
        prefix_of(event.recipient),
        event.template_id,
    )
    return Fact(
        key=f"{event.message_id}/{event.attempt}/S",
        minute=minute,
        traffic=key,
        counts=(1, int(otp), 0, 0, 0),
        otp_recipient=event.recipient if otp else None,
        content=None if otp else content_hash(event.template_id, event.variables),
    )


def status_fact(event: MessageStatusChangedV1) -> Fact | None:
    """A delivery or a failure; None for any other status (nothing to count)."""
    if event.status is MessageStatus.DELIVERED:
        counts, outcome = (0, 0, 1, 0, 0), "D"
    elif event.status in FAILED:
        blacklisted = int(event.error_code is ErrorCode.RECIPIENT_BLACKLISTED)
        counts, outcome = (0, 0, 0, 1, blacklisted), "F"
    else:
        return None
    minute = minute_of(event.occurred_at)
    key = (
        minute,
        event.account_id,
        event.channel.value,
        event.sender_id or "",
        country_of(event.recipient),
        prefix_of(event.recipient),
        event.template_id or 0,
    )
    return Fact(key=f"{event.message_id}/{event.attempt}/{outcome}", minute=minute, traffic=key, counts=counts)


@dataclass
class Aggregates:
    """The sums one batch of new facts adds, ready for the upserts."""

    traffic: dict[TrafficKey, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0, 0]))
    otp: dict[tuple[datetime, int, str], int] = field(default_factory=lambda: defaultdict(int))
    content: dict[tuple[datetime, int, str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    sender_hour: dict[tuple[datetime, int, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0, 0])
    )
    destinations: dict[tuple[int, str], list] = field(default_factory=dict)  # -> [country, n, first, last]

    def add(self, fact: Fact) -> None:
        row = self.traffic[fact.traffic]
        hour_row = self.sender_hour[(fact.minute.replace(minute=0), fact.traffic[1], fact.traffic[3])]
        for i, n in enumerate(fact.counts):
            row[i] += n
            hour_row[i] += n
        minute, account = fact.traffic[0], fact.traffic[1]
        if fact.counts[0]:
            dest = self.destinations.get((account, fact.traffic[5]))
            if dest is None:
                self.destinations[(account, fact.traffic[5])] = [fact.traffic[4], 1, minute, minute]
            else:
                dest[1] += 1
                dest[2] = min(dest[2], minute)
                dest[3] = max(dest[3], minute)
        if fact.otp_recipient is not None:
            self.otp[(minute, account, fact.otp_recipient)] += 1
        if fact.content is not None:
            self.content[(minute, account, fact.traffic[3], fact.content, fact.traffic[6])] += 1


def aggregate(facts: list[Fact]) -> Aggregates:
    out = Aggregates()
    for fact in facts:
        out.add(fact)
    return out
