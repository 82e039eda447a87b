"""The detectors: pure functions from an `AccountWindow` to the conditions it shows.

Each `Finding` has a type, a severity 0-100, a subject (what it is about), a window and the
evidence numbers. Kind ANOMALY (Traffic Anomaly page) or SPAM (Spam Detection page).

- OTP_FLOOD: OTP messages repeated to one number (>= OTP_PER_NUMBER in 10 min), or to a run
  of >= OTP_RUN sequential numbers (last digits within OTP_RUN_GAP of each other) in one range.
- VELOCITY_SPIKE: an account's or a sender's last minute against its own baseline for this
  hour (the median of the same hour of the week over earlier weeks when there are 2, else of
  the same hour of the day over earlier days): a normal busy morning is in its own baseline.
- FAILURE_SPIKE: the failure rate of the last 10 minutes jumping above the previous 24 h's,
  overall and per sender, by at least FAILURE_JUMP and improbable under the earlier rate
  (binomial tail below FAILURE_IMPROBABLE).
- NEW_DESTINATION: a country never sent to before; NUMBER_RANGE_CONCENTRATION: traffic
  concentrated on one number range (pumping) that was not before; PREMIUM_RATE: premium-rate or
  shared-cost numbers (phonenumbers' number type), summed over the ranges of one country and type.
- Spam per sender: SPAM_FAILURE_RATE (most of the last hour's messages fail), SPAM_SAME_CONTENT
  (one text to many recipients), SPAM_BLACKLIST_HITS, SPAM_NEW_SENDER (a sender with no past
  suddenly at volume).
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from statistics import median

import phonenumbers
from phonenumbers import PhoneNumberType

from cpaas.ai.domain.anomaly.facts import country_of
from cpaas.ai.domain.anomaly.windows import (
    LONG_MINUTES,
    RATE_MINUTES,
    SHORT_MINUTES,
    AccountWindow,
    Counts,
)

OTP_PER_NUMBER = 3
OTP_RUN = 3
OTP_RUN_GAP = 3
VELOCITY_MIN = 12  # submits in the rate window (1 minute) below which no rate is a spike
VELOCITY_FACTOR = 3.0
VELOCITY_SIGMAS = 5.0
VELOCITY_NO_BASELINE = 120  # an account without a past: only this much in a minute is a spike
FAILURE_MIN_TERMINAL = 5
FAILURE_IMPROBABLE = 1e-4  # the failures must be this unlikely under the earlier failure rate
FAILURE_MIN_RATE = 0.4
FAILURE_JUMP = 0.3
NEW_COUNTRY_MIN = 3
HISTORY_MIN_SUBMITS = 50  # a past this long says which destinations are usual
RANGE_MIN = 6
SPAM_HIGH_RISK_MIN = 20  # a sender's submits of HIGH-risk templates within the long window
RANGE_SHARE = 0.3
RANGE_PAST_SHARE = 0.02
PREMIUM_MIN = 2
SPAM_FAILURE_MIN_TERMINAL = 30
SPAM_FAILURE_RATE = 0.6
SPAM_SAME_CONTENT = 100
SPAM_BLACKLIST_HITS = 5
NEW_SENDER_VOLUME = 12  # submits in 10 minutes by a sender with no earlier traffic


@dataclass(frozen=True)
class Finding:
    kind: str  # ANOMALY or SPAM
    alert_type: str
    severity: int
    subject_type: str  # ACCOUNT, SENDER, NUMBER, PREFIX, COUNTRY, CONTENT
    subject: str
    window_start: datetime
    window_end: datetime
    evidence: dict = field(default_factory=dict)

    @property
    def condition(self) -> tuple[str, str, str]:
        return self.alert_type, self.subject_type, self.subject


def _severity(base: float, excess: float, scale: float) -> int:
    """`base` at the threshold, rising with log2 of how far past it (`excess` >= 1)."""
    return max(1, min(100, round(base + scale * math.log2(max(excess, 1.0)))))


def otp_flooding(w: AccountWindow) -> list[Finding]:
    out = []
    start = w.start(SHORT_MINUTES)
    for number, n in w.otp_numbers.items():
        if n >= OTP_PER_NUMBER:
            out.append(
                Finding(
                    "ANOMALY",
                    "OTP_FLOOD",
                    _severity(60, n / OTP_PER_NUMBER, 15),
                    "NUMBER",
                    number,
                    start,
                    w.now,
                    {"otpMessages": n, "threshold": OTP_PER_NUMBER, "minutes": SHORT_MINUTES},
                )
            )
    by_prefix: dict[str, list[int]] = {}
    for number in w.otp_numbers:
        if number[-4:].isdigit():
            by_prefix.setdefault(number[:-4], []).append(int(number[-4:]))
    for prefix, tails in by_prefix.items():
        run = longest_run(tails, OTP_RUN_GAP)
        if len(run) >= OTP_RUN:
            out.append(
                Finding(
                    "ANOMALY",
                    "OTP_FLOOD",
                    _severity(60, len(run) / OTP_RUN, 15),
                    "PREFIX",
                    prefix,
                    start,
                    w.now,
                    {
                        "sequentialNumbers": len(run),
                        "first": f"{prefix}{run[0]:04d}",
                        "last": f"{prefix}{run[-1]:04d}",
                        "threshold": OTP_RUN,
                        "minutes": SHORT_MINUTES,
                    },
                )
            )
    return out


def longest_run(tails: list[int], gap: int) -> list[int]:
    """The longest run of distinct numbers whose neighbours are at most `gap` apart."""
    values = sorted(set(tails))
    best: list[int] = []
    run: list[int] = []
    for v in values:
        run = [*run, v] if run and v - run[-1] <= gap else [v]
        if len(run) > len(best):
            best = run
    return best


def baseline(hourly: list[int], weekly: list[int]) -> float | None:
    """Submits expected in RATE_MINUTES at this hour; None without a past."""
    source = weekly if len(weekly) >= 2 else hourly
    if not source:
        return None
    return median(source) * RATE_MINUTES / 60


def _velocity(current: int, base: float | None, subject_type: str, subject: str, w: AccountWindow) -> Finding | None:
    if current < VELOCITY_MIN:
        return None
    if base is None:
        threshold = VELOCITY_NO_BASELINE
    else:
        threshold = max(VELOCITY_MIN, VELOCITY_FACTOR * base, base + VELOCITY_SIGMAS * math.sqrt(max(base, 1.0)))
    if current < threshold:
        return None
    return Finding(
        "ANOMALY",
        "VELOCITY_SPIKE",
        _severity(45, current / threshold, 15),
        subject_type,
        subject,
        w.start(RATE_MINUTES),
        w.now,
        {
            "submitted": current,
            "baseline": round(base, 2) if base is not None else None,
            "threshold": round(threshold, 2),
            "minutes": RATE_MINUTES,
        },
    )


def velocity_spikes(w: AccountWindow) -> list[Finding]:
    h = w.history
    out = []
    found = _velocity(w.rate.submitted, baseline(h.hourly, h.weekly), "ACCOUNT", str(w.account_id), w)
    if found:
        out.append(found)
    for sender_id, s in w.senders.items():
        past = h.sender_hourly.get(sender_id)
        found = _velocity(s.rate.submitted, baseline(past, []) if past else None, "SENDER", sender_id, w)
        if found and (len(w.senders) > 1 or not out):  # one sender: the account's alert says it
            out.append(found)
    return out


def _failure(
    now: Counts, before: Counts, subject_type: str, subject: str, w: AccountWindow, minutes: int = SHORT_MINUTES
) -> Finding | None:
    if now.terminal < FAILURE_MIN_TERMINAL:
        return None
    rate, base = now.failure_rate, before.failure_rate
    if rate < FAILURE_MIN_RATE or rate - base < FAILURE_JUMP:
        return None
    if binomial_tail(now.failed, now.terminal, max(base, 0.02)) > FAILURE_IMPROBABLE:
        return None
    return Finding(
        "ANOMALY",
        "FAILURE_SPIKE",
        _severity(40 + 40 * (rate - base), rate / FAILURE_MIN_RATE, 10),
        subject_type,
        subject,
        w.start(minutes),
        w.now,
        {
            "failed": now.failed,
            "delivered": now.delivered,
            "failureRate": round(rate, 3),
            "baselineFailureRate": round(base, 3),
            "minutes": minutes,
        },
    )


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def failure_spikes(w: AccountWindow) -> list[Finding]:
    """Over the short window, or over the last minute alone when the short one does not show
    it yet (a spike's first minute is diluted by nine calm ones on a busy account)."""
    out = []
    subjects = [("ACCOUNT", str(w.account_id), w.short, w.rate, w.history.failure)]
    for sender_id, s in w.senders.items():
        subjects.append(("SENDER", sender_id, s.short, s.rate, w.history.sender_failure.get(sender_id, Counts())))
    for subject_type, subject, short, last, before in subjects:
        found = _failure(short, before, subject_type, subject, w) or _failure(
            last, before, subject_type, subject, w, RATE_MINUTES
        )
        if found:
            out.append(found)
    return out


@lru_cache(maxsize=100_000)
def number_type(prefix: str) -> int | None:
    """phonenumbers' type of the range (a number in it with 0000 as its last digits)."""
    try:
        number = phonenumbers.parse(prefix + "0000", None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.number_type(number)


PREMIUM_TYPES = {PhoneNumberType.PREMIUM_RATE: "PREMIUM_RATE", PhoneNumberType.SHARED_COST: "SHARED_COST"}


def unusual_destinations(w: AccountWindow) -> list[Finding]:
    h = w.history
    start = w.start(SHORT_MINUTES)
    out = []
    established = h.total >= HISTORY_MIN_SUBMITS
    if established:
        for country, n in w.countries.items():
            if n >= NEW_COUNTRY_MIN and country not in h.countries:
                out.append(
                    Finding(
                        "ANOMALY",
                        "NEW_DESTINATION",
                        _severity(45, n / NEW_COUNTRY_MIN, 10),
                        "COUNTRY",
                        country,
                        start,
                        w.now,
                        {"submitted": n, "earlierSubmits": h.total, "minutes": SHORT_MINUTES},
                    )
                )
    total, last_total = sum(w.prefixes.values()), sum(w.rate_prefixes.values())
    for prefix, n in w.prefixes.items():
        share = n / total if total else 0.0
        last = w.rate_prefixes.get(prefix, 0)
        share = max(share, last / last_total if last_total and last >= RANGE_MIN else 0.0)
        past_share = h.prefixes.get(prefix, 0) / h.total if h.total else 0.0
        if n >= RANGE_MIN and share >= RANGE_SHARE and past_share < RANGE_PAST_SHARE:
            out.append(
                Finding(
                    "ANOMALY",
                    "NUMBER_RANGE_CONCENTRATION",
                    _severity(55, n / RANGE_MIN, 12),
                    "PREFIX",
                    prefix,
                    start,
                    w.now,
                    {
                        "submitted": n,
                        "share": round(share, 3),
                        "earlierShare": round(past_share, 4),
                        "minutes": SHORT_MINUTES,
                    },
                )
            )
    premium: dict[tuple[str, str], dict[str, int]] = {}
    for prefix, n in w.prefixes.items():
        kind = PREMIUM_TYPES.get(number_type(prefix))
        if kind:
            premium.setdefault((country_of(prefix + "0000"), kind), {})[prefix] = n
    for (country, kind), ranges in premium.items():
        n = sum(ranges.values())
        if n >= PREMIUM_MIN:
            top = sorted(ranges, key=lambda p: (-ranges[p], p))[:5]
            out.append(
                Finding(
                    "ANOMALY",
                    "PREMIUM_RATE",
                    _severity(60, n / PREMIUM_MIN, 10),
                    "NUMBER_TYPE",
                    f"{country} {kind}",
                    start,
                    w.now,
                    {"submitted": n, "numberType": kind, "ranges": top, "minutes": SHORT_MINUTES},
                )
            )
    return out


def spam_patterns(w: AccountWindow) -> list[Finding]:
    h = w.history
    out = []
    long_start = w.start(LONG_MINUTES)
    for sender_id, s in w.senders.items():
        if s.long.terminal >= SPAM_FAILURE_MIN_TERMINAL and s.long.failure_rate >= SPAM_FAILURE_RATE:
            out.append(
                Finding(
                    "SPAM",
                    "SPAM_FAILURE_RATE",
                    _severity(45, s.long.failure_rate / SPAM_FAILURE_RATE, 40),
                    "SENDER",
                    sender_id,
                    long_start,
                    w.now,
                    {
                        "messages": s.long.submitted,
                        "delivered": s.long.delivered,
                        "failed": s.long.failed,
                        "failureRate": round(s.long.failure_rate, 3),
                        "minutes": LONG_MINUTES,
                    },
                )
            )
        if s.long.blacklisted >= SPAM_BLACKLIST_HITS:
            out.append(
                Finding(
                    "SPAM",
                    "SPAM_BLACKLIST_HITS",
                    _severity(50, s.long.blacklisted / SPAM_BLACKLIST_HITS, 15),
                    "SENDER",
                    sender_id,
                    long_start,
                    w.now,
                    {"blacklistHits": s.long.blacklisted, "minutes": LONG_MINUTES},
                )
            )
        if h.days >= 1 and h.sender_total.get(sender_id, 0) == 0 and s.short.submitted >= NEW_SENDER_VOLUME:
            out.append(
                Finding(
                    "SPAM",
                    "SPAM_NEW_SENDER",
                    _severity(45, s.short.submitted / NEW_SENDER_VOLUME, 15),
                    "SENDER",
                    sender_id,
                    w.start(SHORT_MINUTES),
                    w.now,
                    {"submitted": s.short.submitted, "earlierSubmits": 0, "minutes": SHORT_MINUTES},
                )
            )
    risky: dict[str, dict[int, int]] = {}
    for (sender_id, template_id), n in w.sender_templates.items():
        if template_id in w.high_risk_templates:
            risky.setdefault(sender_id, {})[template_id] = n
    for sender_id, templates in sorted(risky.items()):
        n = sum(templates.values())
        if n >= SPAM_HIGH_RISK_MIN:
            top = max(w.high_risk_templates[t] for t in templates)
            out.append(
                Finding(
                    "SPAM",
                    "SPAM_HIGH_RISK_CONTENT",
                    _severity(max(50, top // 2 + 20), n / SPAM_HIGH_RISK_MIN, 12),
                    "SENDER",
                    sender_id,
                    long_start,
                    w.now,
                    {
                        "messages": n,
                        "templates": sorted(templates),
                        "riskScore": top,
                        "minutes": LONG_MINUTES,
                    },
                )
            )
    for sender_id, digest, template_id, n in w.content:
        if n >= SPAM_SAME_CONTENT:
            out.append(
                Finding(
                    "SPAM",
                    "SPAM_SAME_CONTENT",
                    _severity(40, n / SPAM_SAME_CONTENT, 15),
                    "CONTENT",
                    f"{sender_id or '-'}:{digest}",
                    long_start,
                    w.now,
                    {"messages": n, "sender": sender_id, "templateId": template_id, "minutes": LONG_MINUTES},
                )
            )
    return out


DETECTORS = (otp_flooding, velocity_spikes, failure_spikes, unusual_destinations, spam_patterns)


def detect(w: AccountWindow) -> list[Finding]:
    return [f for detector in DETECTORS for f in detector(w)]
