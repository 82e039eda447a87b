"""The traffic simulator: accounts with normal diurnal traffic, and attacks of each type at
varied strengths. Deterministic for a seed. It trains the fraud model (`fraud.py`, windows
built in memory by `sim_window`) and drives bench/anomaly.py (events through the real
service and database).

Normal traffic: a rate per minute that follows the day (low at night, a morning peak, an
evening one), per account a base rate, 1-3 sender IDs, OTP, update and promotion templates
(variables that differ per message), recipients spread over the account's home country's
mobile ranges (and a second country for some), a small failure rate.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cpaas.ai.domain.anomaly.facts import content_hash, country_of, prefix_of
from cpaas.ai.domain.anomaly.windows import LONG_MINUTES, Counts, History, TrafficRow, build_windows

ATTACKS = (
    "OTP_FLOOD_NUMBER",
    "OTP_FLOOD_SEQUENTIAL",
    "VELOCITY",
    "FAILURE",
    "PUMPING",
    "NEW_COUNTRY",
    "PREMIUM",
    "SPAM_NEW_SENDER",
)
# the alert types that catch each attack
CAUGHT_BY = {
    "OTP_FLOOD_NUMBER": {"OTP_FLOOD"},
    "OTP_FLOOD_SEQUENTIAL": {"OTP_FLOOD"},
    "VELOCITY": {"VELOCITY_SPIKE"},
    "FAILURE": {"FAILURE_SPIKE", "SPAM_FAILURE_RATE"},
    "PUMPING": {"NUMBER_RANGE_CONCENTRATION"},
    "NEW_COUNTRY": {"NEW_DESTINATION"},
    "PREMIUM": {"PREMIUM_RATE"},
    "SPAM_NEW_SENDER": {"SPAM_NEW_SENDER", "SPAM_SAME_CONTENT"},
}
TEMPLATES = ((1, "login_otp", "otp"), (2, "order_update", "order"), (3, "festive_offer", "name"))


@dataclass(frozen=True)
class SimMessage:
    account_id: int
    at: datetime
    recipient: str
    sender_id: str
    template_id: int  # account_id * 10 + template number
    template_name: str
    variables: dict
    delivered: bool
    blacklisted: bool = False


@dataclass
class Profile:
    account_id: int
    peak_per_minute: float
    senders: list[str]
    second_country: str | None  # "US" or "GB": a share of traffic there
    failure_rate: float
    otp_share: float


@dataclass
class Attack:
    kind: str
    account_id: int
    start: datetime
    minutes: int
    strength: float  # 1 (weak) .. 3 (strong)
    target: str = ""  # the number, range or sender it uses

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


def diurnal(hour: float) -> float:
    """0.05-1.0: night, a morning peak at 11, an evening one at 19."""
    morning = math.exp(-((hour - 11) ** 2) / (2 * 2.5**2))
    evening = 0.7 * math.exp(-((hour - 19) ** 2) / (2 * 2.0**2))
    return 0.05 + 0.95 * min(1.0, morning + evening)


def profiles(count: int, seed: int) -> list[Profile]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation
    out = []
    for i in range(count):
        senders = [f"S{i:03d}{c}" for c in "ABC"[: rng.randint(1, 3)]]
        out.append(
            Profile(
                account_id=i + 1,
                peak_per_minute=rng.choice([2, 4, 8, 15, 25]) * rng.uniform(0.8, 1.2),
                senders=senders,
                second_country=rng.choice([None, None, "US", "GB"]),
                failure_rate=rng.uniform(0.01, 0.08),
                otp_share=rng.uniform(0.1, 0.5),
            )
        )
    return out


def _mobile(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"+1415{rng.randint(2000000, 9999999)}"
    if country == "GB":
        return f"+447911{rng.randint(100000, 999999)}"
    return f"+91{rng.choice('6789')}{rng.randint(100000000, 999999999)}"


def _message(p: Profile, at: datetime, rng: random.Random, **over) -> SimMessage:
    number, name, var = TEMPLATES[0] if rng.random() < p.otp_share else TEMPLATES[rng.randint(1, 2)]
    country = p.second_country if p.second_country and rng.random() < 0.15 else "IN"
    value = f"{rng.randint(0, 999999):06d}" if var == "otp" else f"v{rng.randint(0, 10**9)}"
    fields = {
        "account_id": p.account_id,
        "at": at,
        "recipient": _mobile(rng, country),
        "sender_id": rng.choice(p.senders),
        "template_id": p.account_id * 10 + number,
        "template_name": name,
        "variables": {var: value},
        "delivered": rng.random() >= p.failure_rate,
    }
    fields.update(over)
    return SimMessage(**fields)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, k, prod = math.exp(-mean), 0, rng.random()
    while prod > threshold:
        k += 1
        prod *= rng.random()
    return k


def normal_minute(p: Profile, minute: datetime, rng: random.Random) -> list[SimMessage]:
    mean = p.peak_per_minute * diurnal(minute.hour + minute.minute / 60)
    return [_message(p, minute + timedelta(seconds=rng.uniform(0, 59.9)), rng) for _ in range(_poisson(rng, mean))]


def plan_attack(kind: str, p: Profile, start: datetime, rng: random.Random, strength: float | None = None) -> Attack:
    s = strength if strength is not None else rng.uniform(1, 3)
    target = ""
    if kind in ("OTP_FLOOD_NUMBER",):
        target = _mobile(rng, "IN")
    elif kind in ("OTP_FLOOD_SEQUENTIAL", "PUMPING"):
        target = _mobile(rng, "IN")[:-4]
    elif kind == "SPAM_NEW_SENDER":
        # a sender the account never used: each attack its own (one name per account made a
        # second attack on that account a known sender, not a new one)
        target = f"N{p.account_id % 1000:03d}{start:%j%H%M}"
    return Attack(kind, p.account_id, start, rng.randint(10, 30), s, target)


def attack_minute(a: Attack, p: Profile, minute: datetime, rng: random.Random) -> list[SimMessage]:
    """The attack's messages in `minute` (none outside it)."""
    if not (a.start <= minute < a.end):
        return []
    elapsed = int((minute - a.start).total_seconds() // 60)
    s, out = a.strength, []

    def at() -> datetime:
        return minute + timedelta(seconds=rng.uniform(0, 59.9))

    otp = {"template_id": p.account_id * 10 + 1, "template_name": "login_otp"}
    if a.kind == "OTP_FLOOD_NUMBER":
        for _ in range(round(3 * s)):
            out.append(
                _message(p, at(), rng, recipient=a.target, variables={"otp": f"{rng.randint(0, 999999):06d}"}, **otp)
            )
    elif a.kind == "OTP_FLOOD_SEQUENTIAL":
        n = round(3 * s)
        for i in range(n):
            tail = (elapsed * n + i) % 10000
            out.append(
                _message(
                    p,
                    at(),
                    rng,
                    recipient=f"{a.target}{tail:04d}",
                    variables={"otp": f"{rng.randint(0, 999999):06d}"},
                    **otp,
                )
            )
    elif a.kind == "VELOCITY":
        extra = max(15.0, 4 * s * p.peak_per_minute)
        out = [_message(p, at(), rng) for _ in range(_poisson(rng, extra))]
    elif a.kind == "FAILURE":
        mean = max(6.0, p.peak_per_minute * diurnal(minute.hour))
        out = [_message(p, at(), rng, delivered=rng.random() > 0.5 + 0.15 * s) for _ in range(_poisson(rng, mean))]
    elif a.kind == "PUMPING":
        for _ in range(_poisson(rng, 10 * s)):
            out.append(
                _message(p, at(), rng, recipient=f"{a.target}{rng.randint(0, 9999):04d}", delivered=rng.random() < 0.3)
            )
    elif a.kind == "NEW_COUNTRY":
        for _ in range(_poisson(rng, 3 * s)):
            out.append(_message(p, at(), rng, recipient=f"+234803{rng.randint(1000000, 9999999)}"))
    elif a.kind == "PREMIUM":
        for _ in range(_poisson(rng, 2 * s)):
            out.append(_message(p, at(), rng, recipient=f"+44909{rng.randint(1000000, 9999999)}"))
    elif a.kind == "SPAM_NEW_SENDER":
        text = {"template_id": p.account_id * 10 + 3, "template_name": "festive_offer", "variables": {"name": "all"}}
        for _ in range(_poisson(rng, 15 * s)):
            out.append(_message(p, at(), rng, sender_id=a.target, **text))
    return out


# ---- in-memory windows, for training the fraud model -----------------------------------------


def _rows(messages: list[SimMessage]) -> tuple[list[TrafficRow], dict, dict]:
    traffic: dict[tuple, list[int]] = {}
    otp: dict[tuple, int] = {}
    content: dict[tuple, int] = {}
    for m in messages:
        minute = m.at.replace(second=0, microsecond=0)
        is_otp = "otp" in m.variables
        key = (minute, m.account_id, "SMS", m.sender_id, country_of(m.recipient), prefix_of(m.recipient), m.template_id)
        row = traffic.setdefault(key, [0, 0, 0, 0, 0])
        row[0] += 1
        row[1] += int(is_otp)
        row[2] += int(m.delivered)
        row[3] += int(not m.delivered)
        if is_otp:
            otp[(m.account_id, m.recipient)] = otp.get((m.account_id, m.recipient), 0) + 1
        else:
            ckey = (m.account_id, m.sender_id, content_hash(m.template_id, m.variables), m.template_id)
            content[ckey] = content.get(ckey, 0) + 1
    return [TrafficRow(*k, *v) for k, v in traffic.items()], otp, content


def _history(p: Profile, now: datetime, rng: random.Random, days: int) -> History:
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    h = History(days=days, total=0)
    per_sender = [0] * days
    for k in range(1, days + 1):
        hour = this_hour - timedelta(days=k)
        mean = sum(p.peak_per_minute * diurnal(hour.hour + m / 60) for m in range(0, 60, 10)) * 10
        per_sender[k - 1] = _poisson(rng, mean)
    h.hourly = per_sender
    h.weekly = [c for i, c in enumerate(per_sender) if (i + 1) % 7 == 0]
    daily = p.peak_per_minute * 60 * 24 * 0.4
    h.total = round(daily * days)
    h.countries = {"IN"} | ({p.second_country} if p.second_country else set())
    if p.second_country == "GB":
        h.countries.add("GG")
    h.sender_hourly = {s: [round(c / len(p.senders)) for c in per_sender] for s in p.senders}
    h.sender_total = {s: h.total // len(p.senders) for s in p.senders}
    h.failure = Counts(
        submitted=round(daily), delivered=round(daily * (1 - p.failure_rate)), failed=round(daily * p.failure_rate)
    )
    h.sender_failure = {s: h.failure for s in p.senders}
    return h


def sim_window(p: Profile, now: datetime, rng: random.Random, attack: Attack | None, *, days: int = 7):
    """The window the detectors would see for `p` at `now` (minute-aligned), with `attack`."""
    messages: list[SimMessage] = []
    for k in range(LONG_MINUTES, 0, -1):
        minute = now - timedelta(minutes=k)
        messages += normal_minute(p, minute, rng)
        if attack is not None:
            messages += attack_minute(attack, p, minute, rng)
    traffic, otp, content = _rows(messages)
    history = _history(p, now, rng, days)
    windows = build_windows(
        now,
        traffic,
        [(a, n, c) for (a, n), c in otp.items()],
        [(a, s, d, t, c) for (a, s, d, t), c in content.items() if c >= 2],
        {p.account_id: history},
    )
    return windows.get(p.account_id) or build_windows(now, [], [], [], {p.account_id: history}).get(p.account_id)


@dataclass
class Sample:
    window: object
    attack: str | None


def training_samples(count: int, seed: int, *, attack_share: float = 0.5) -> list[Sample]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation
    accounts = profiles(40, seed)
    out = []
    base = datetime(2026, 11, 2, tzinfo=UTC)
    for _ in range(count):
        p = rng.choice(accounts)
        now = base + timedelta(days=rng.randint(7, 20), minutes=rng.randint(0, 1439))
        attack = None
        if rng.random() < attack_share:
            kind = rng.choice(ATTACKS)
            attack = plan_attack(kind, p, now - timedelta(minutes=rng.randint(1, 8)), rng, rng.uniform(0.5, 3))
        out.append(Sample(sim_window(p, now, rng, attack), attack.kind if attack else None))
    return out
