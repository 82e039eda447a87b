"""What the detectors look at for one account at one minute: its recent per-minute rows
(the last hour, from `traffic_minute`, `otp_minute`, `content_minute`) and what its history
says (hourly counts at the same hour on earlier days, known countries and ranges, senders'
earlier volume, earlier failure rates). `build_windows` turns the rows the store read into
one `AccountWindow` per account (pure, so the simulator can build the same windows)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

RATE_MINUTES = 1  # velocity: the last minute against the baseline's minute
SHORT_MINUTES = 10  # OTP floods, failure spikes, destinations, new senders
LONG_MINUTES = 60  # spam patterns per sender


@dataclass
class Counts:
    submitted: int = 0
    otp: int = 0
    delivered: int = 0
    failed: int = 0
    blacklisted: int = 0

    def add(self, submitted: int, otp: int, delivered: int, failed: int, blacklisted: int) -> None:
        self.submitted += submitted
        self.otp += otp
        self.delivered += delivered
        self.failed += failed
        self.blacklisted += blacklisted

    @property
    def terminal(self) -> int:
        return self.delivered + self.failed

    @property
    def failure_rate(self) -> float:
        return self.failed / self.terminal if self.terminal else 0.0


@dataclass(frozen=True)
class TrafficRow:
    """One `traffic_minute` row."""

    minute: datetime
    account_id: int
    channel: str
    sender_id: str
    country: str
    prefix: str
    template_id: int
    submitted: int
    otp: int
    delivered: int
    failed: int
    blacklisted: int


@dataclass
class History:
    """An account's past, as the store (or the simulator) knows it."""

    days: float = 0.0  # how long the account has had traffic
    hourly: list[int] = field(default_factory=list)  # submits in this hour of the day on earlier days
    weekly: list[int] = field(default_factory=list)  # ... in this hour of the week on earlier weeks
    total: int = 0  # submits before the last hour
    countries: set[str] = field(default_factory=set)
    prefixes: dict[str, int] = field(default_factory=dict)  # earlier submits to the window's prefixes
    failure: Counts = field(default_factory=Counts)  # the 24 h before the short window
    sender_hourly: dict[str, list[int]] = field(default_factory=dict)
    sender_total: dict[str, int] = field(default_factory=dict)
    sender_failure: dict[str, Counts] = field(default_factory=dict)


@dataclass
class SenderWindow:
    rate: Counts = field(default_factory=Counts)  # last RATE_MINUTES
    short: Counts = field(default_factory=Counts)  # last SHORT_MINUTES
    long: Counts = field(default_factory=Counts)  # last LONG_MINUTES


@dataclass
class AccountWindow:
    account_id: int
    now: datetime  # the end of the windows (exclusive), on a minute
    history: History
    rate: Counts = field(default_factory=Counts)
    short: Counts = field(default_factory=Counts)
    long: Counts = field(default_factory=Counts)
    senders: dict[str, SenderWindow] = field(default_factory=lambda: defaultdict(SenderWindow))
    countries: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # short window submits
    prefixes: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # short window submits
    rate_prefixes: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # last minute's submits
    otp_numbers: dict[str, int] = field(default_factory=dict)  # short window OTP submits per number
    content: list[tuple[str, str, int, int]] = field(default_factory=list)  # long: sender, hash, template, n
    sender_templates: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))  # long submits
    # the window's templates that the compliance check rated HIGH risk: id -> risk score (set by the caller)
    high_risk_templates: dict[int, int] = field(default_factory=dict)

    def start(self, minutes: int) -> datetime:
        return self.now - timedelta(minutes=minutes)


def build_windows(
    now: datetime,
    traffic: list[TrafficRow],
    otp: list[tuple[int, str, int]],
    content: list[tuple[int, str, str, int, int]],
    histories: dict[int, History],
) -> dict[int, AccountWindow]:
    """`traffic`: minute rows of [now - LONG_MINUTES, now); `otp`: (account, number, n) of the
    short window; `content`: (account, sender, hash, template, n) of the long window."""
    windows: dict[int, AccountWindow] = {}

    def window(account_id: int) -> AccountWindow:
        w = windows.get(account_id)
        if w is None:
            w = windows[account_id] = AccountWindow(account_id, now, histories.get(account_id) or History())
        return w

    rate_from = now - timedelta(minutes=RATE_MINUTES)
    short_from = now - timedelta(minutes=SHORT_MINUTES)
    for row in traffic:
        w = window(row.account_id)
        counts = (row.submitted, row.otp, row.delivered, row.failed, row.blacklisted)
        sender = w.senders[row.sender_id] if row.sender_id else None
        w.long.add(*counts)
        if sender:
            sender.long.add(*counts)
            if row.submitted and row.template_id:
                w.sender_templates[(row.sender_id, row.template_id)] += row.submitted
        if row.minute >= short_from:
            w.short.add(*counts)
            if sender:
                sender.short.add(*counts)
            if row.submitted:
                w.countries[row.country] += row.submitted
                w.prefixes[row.prefix] += row.submitted
        if row.minute >= rate_from:
            w.rate.add(*counts)
            if row.submitted:
                w.rate_prefixes[row.prefix] += row.submitted
            if sender:
                sender.rate.add(*counts)
    for account_id, number, n in otp:
        window(account_id).otp_numbers[number] = n
    for account_id, sender_id, digest, template_id, n in content:
        window(account_id).content.append((sender_id, digest, template_id, n))
    return windows
