"""The analytics read side (issue 25): Report Summary and Campaign Intelligence, from
reporting's rollups (migrations 0008 and 0009) only, never a scan of the log.

A rollup row counts the messages of one account whose row in the log has one key: the
15-minute UTC bucket of created_at, channel (of the latest attempt), final status, sender
ID, campaign and error code. Every zone's offset is a multiple of 15 minutes, so the
account's hours, days and weeks are exact sums of buckets, computed here in its zone
(`bucket AT TIME ZONE zone`).

Levels (0009, 0010): the same counts in UTC half hours, hours and days (and 15-minute "wide"
rows, one per channel with a column per status). `plan` cuts a range at every point where the
chart's bucket (or another grouping: hour of day, the last 7 days, TRAI's quiet hours) changes
in the zone, and covers each piece with the coarsest whole UTC buckets inside it: whole days,
then whole hours, half hours, 15-minute buckets at the edges. A row of a coarser level is
therefore read only when all its 15-minute buckets fall in one chart bucket, so every answer
equals the sum of the 15-minute buckets: in a whole-hour zone an hourly chart reads hours and
a weekly one mostly days; in Asia/Kolkata (+5:30) an hourly chart reads two half-hour rows an
hour, a daily one hours with two half-hour rows per day. The half hours are read only where
every cut is on their grid: in Asia/Kathmandu (+5:45) an hour would be a half hour between two
15-minute rows, three ranges an hour, which reads slower than one range of 15-minute rows
(bench/reports.py), so its hours read 15-minute rows. Offsets are taken from the zone (daylight saving: a piece
never spans an offset change). Read only, and every query is scoped by account id first, the
leading column of every level's key."""

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import asyncpg

from cpaas.contracts.analytics import (
    AnalyticsSummary,
    Bucket,
    CampaignPerformance,
    CampaignPerformancePage,
    ChannelCounts,
    ChannelPerformance,
    Counts,
    FailureCause,
    HeatCell,
    HourPerformance,
    Intelligence,
    QuietHours,
    SenderPerformance,
    SummaryBucket,
)
from cpaas.contracts.errors import ApiError, ErrorCode

STATUSES = ("SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED", "READ", "RETRYING", "FAILED", "UNDELIVERED")
DELIVERED = frozenset({"DELIVERED", "READ"})
FAILED = frozenset({"FAILED", "UNDELIVERED"})
GRANULE = timedelta(minutes=15)  # the rollups' bucket
QUIET_ZONE = "Asia/Kolkata"  # TRAI's promotional quiet hours: 21:00-09:00 IST
QUIET_FROM, QUIET_TO = 21, 9
TOP_FAILURES = 10
STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}

Db = asyncpg.Pool | asyncpg.Connection


def choose_bucket(range_from: datetime, range_to: datetime) -> Bucket:
    """The bucket a range is charted by: up to 2 days hours, up to 60 days days, else weeks."""
    span = range_to - range_from
    if span <= timedelta(days=2):
        return "hour"
    if span <= timedelta(days=60):
        return "day"
    return "week"


def align(t: datetime) -> datetime:
    """`t` down to its 15-minute UTC bucket: the finest range the rollups can answer exactly."""
    epoch = datetime(2000, 1, 1, tzinfo=t.tzinfo) if t.tzinfo else datetime(2000, 1, 1)
    return t - (t - epoch) % GRANULE


def local_start(t: datetime, bucket: Bucket, zone: ZoneInfo) -> datetime:
    """The naive local start (in `zone`) of the bucket holding instant `t`; weeks start on Monday."""
    local = t.astimezone(zone).replace(tzinfo=None)
    if bucket == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if bucket == "day" else day - timedelta(days=day.weekday())


def bucket_starts(range_from: datetime, range_to: datetime, bucket: Bucket, zone: ZoneInfo) -> list[datetime]:
    """The naive local starts of every bucket meeting [range_from, range_to), in order."""
    starts, start = [], local_start(range_from, bucket, zone)
    end = range_to.astimezone(zone).replace(tzinfo=None)
    while start < end:
        starts.append(start)
        start += STEP[bucket]
    return starts


QUARTER, HALF, HOUR, DAY, WEEK = 900, 1800, 3600, 86400, 604800  # seconds
LEVELS = (DAY, HOUR, HALF, QUARTER)  # the wide levels, in the order their ranges are passed
MONDAY = 4 * DAY  # 1970-01-05, the first Monday after the epoch (a Thursday)
CUTS = {"hour": ((HOUR, 0),), "day": ((DAY, 0),), "week": ((WEEK, MONDAY),)}  # (period, phase) in local time
QUIET_CUTS = ((DAY, QUIET_TO * HOUR), (DAY, QUIET_FROM * HOUR))  # in QUIET_ZONE


def _offset(zone: ZoneInfo, t: int) -> int:
    offset = datetime.fromtimestamp(t, zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def offset_spans(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[lo, hi) (epoch seconds, 15-minute aligned) as spans (start, end, utc offset) of one offset
    each; a day is assumed to hold at most one change, found to the 15 minutes."""
    spans: list[tuple[int, int, int]] = []

    def add(a: int, b: int, o: int) -> None:
        if spans and spans[-1][2] == o and spans[-1][1] == a:
            spans[-1] = (spans[-1][0], b, o)
        else:
            spans.append((a, b, o))

    a = lo
    while a < hi:
        b = min(a + DAY, hi)
        first, last = _offset(zone, a), _offset(zone, b - QUARTER)
        if first == last:
            add(a, b, first)
        else:  # the first 15 minutes with the later offset
            low, high = a, b - QUARTER  # offset(low) == first, offset(high) == last
            while high - low > QUARTER:
                mid = low + (high - low) // (2 * QUARTER) * QUARTER
                if _offset(zone, mid) == first:
                    low = mid
                else:
                    high = mid
            add(a, high, first)
            add(high, b, last)
        a = b
    return spans


def _cut_points(lo: int, hi: int, zone: ZoneInfo, cuts: tuple[tuple[int, int], ...]) -> set[int]:
    points = {lo, hi}
    for a, b, o in offset_spans(zone, lo, hi):
        points |= {a, b}
        for period, phase in cuts:  # the instants t in [a, b) where (local t - phase) % period == 0
            points.update(range(a + (phase - o - a) % period, b, period))
    return points


def _pieces(s: int, e: int, grains: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """[s, e) covered by whole UTC buckets of `grains` (ascending, 15 minutes first), coarsest
    inside: (grain, start, end) in time order."""
    out = []
    a, level = s, 0
    while level + 1 < len(grains):  # up: finer buckets until aligned to a coarser one that fits
        g = grains[level + 1]
        up = -(-a // g) * g
        if up + g > e:
            break
        if a < up:
            out.append((grains[level], a, up))
        a, level = up, level + 1
    while a < e:  # down: as many whole buckets of each grain as fit
        g = grains[level]
        end = a + (e - a) // g * g
        if end > a:
            out.append((g, a, end))
            a = end
        level -= 1
    return out


def plan(
    range_from: datetime,
    range_to: datetime,
    cuts: list[tuple[ZoneInfo, tuple[tuple[int, int], ...]]],
    points: tuple[datetime, ...] = (),
    grains: tuple[int, ...] = (QUARTER, HALF, HOUR, DAY),
) -> dict[int, tuple[list[datetime], list[datetime]]]:
    """{grain: (starts, ends)}: the UTC ranges of each level that together cover
    [range_from, range_to) (15-minute aligned) exactly once, no row crossing a cut (each
    `(zone, ((period, phase), ...))`: the local instants where t - phase is a multiple of
    period) nor one of `points`."""
    lo, hi = int(range_from.timestamp()), int(range_to.timestamp())
    at: set[int] = {lo, hi}
    for zone, zone_cuts in cuts:
        at |= _cut_points(lo, hi, zone, zone_cuts)
    at |= {int(p.timestamp()) for p in points if lo < p.timestamp() < hi}
    ordered = sorted(at)
    if any(t % HALF for t in ordered[1:-1]):  # cut off the half-hour grid (Asia/Kathmandu's +5:45 hours)
        grains = tuple(g for g in grains if g != HALF)  # halves would split each piece into three ranges
    ranges: dict[int, list[list[int]]] = {g: [] for g in grains}
    for s, e in itertools.pairwise(ordered):
        for g, a, b in _pieces(s, e, grains):
            r = ranges[g]
            if r and r[-1][1] == a:
                r[-1][1] = b
            else:
                r.append([a, b])
    return {
        g: ([datetime.fromtimestamp(a, UTC) for a, _ in r], [datetime.fromtimestamp(b, UTC) for _, b in r])
        for g, r in ranges.items()
    }


WIDE_COLUMNS = "messages, submitted, submitted_operator, delivered, read, retrying, failed, undelivered, campaign"
WIDE_TABLES = {QUARTER: "rollup_quarters", HALF: "rollup_halves", HOUR: "rollup_hours", DAY: "rollup_days"}


def _ranges_of(table: str, columns: str, lo: int, hi: int) -> str:
    """The rows of account $1 in `table` within the ranges ($lo[i], $hi[i]): one index range
    scan per range (OFFSET 0 keeps the planner from turning them into one filtered scan of the
    account's every row)."""
    return (
        f"SELECT {columns} FROM unnest(${lo}::timestamptz[], ${hi}::timestamptz[]) AS r (lo, hi),"
        f" LATERAL (SELECT * FROM reporting.{table} x WHERE x.account_id = $1 AND x.bucket >= r.lo"
        f" AND x.bucket < r.hi OFFSET 0) x"
    )


def _wide_union(first_param: int, columns: str = f"bucket, channel, {WIDE_COLUMNS}") -> str:
    """The wide rows of account $1 in the ranges of each level: params (starts, ends) from
    `first_param`, one pair per level of LEVELS (as `plan` answers them); the next free
    parameter is `first_param + WIDE_PARAMS`."""
    parts = []
    for n, grain in enumerate(LEVELS):
        lo, hi = first_param + 2 * n, first_param + 2 * n + 1
        parts.append(_ranges_of(WIDE_TABLES[grain], columns, lo, hi))
    return "\n    UNION ALL ".join(parts)


WIDE_PARAMS = 2 * len(LEVELS)  # the parameters of _wide_union
P = 2 + WIDE_PARAMS  # the first parameter after account $1 and the levels' ranges


def _plan_args(ranges: dict[int, tuple[list[datetime], list[datetime]]], grains: tuple[int, ...]) -> list:
    """(starts, ends) of each level of `grains` in order; a level the plan did not use reads nothing."""
    return [part for g in grains for part in ranges.get(g, ([], []))]


WIDE_STATUSES = {s: s.lower() for s in STATUSES}


def _add_wide(tally: "_Tally", row: asyncpg.Record) -> None:
    tally.total += row["messages"]
    tally.delivered += row["delivered"] + row["read"]
    tally.failed += row["failed"] + row["undelivered"]


def _wide_tallies(rows, key) -> dict[Any, "_Tally"]:
    out: dict[Any, _Tally] = {}
    for row in rows:
        _add_wide(out.setdefault(key(row), _Tally()), row)
    return out


def counts(total: int, delivered: int, failed: int) -> dict[str, Any]:
    return {
        "total": total,
        "delivered": delivered,
        "failed": failed,
        "pending": total - delivered - failed,
        "rate": delivered / total if total else None,
    }


class _Tally:
    """Totals, delivered and failed of a group, added to status by status."""

    __slots__ = ("delivered", "failed", "total")

    def __init__(self) -> None:
        self.total = self.delivered = self.failed = 0

    def add(self, status: str, n: int) -> None:
        self.total += n
        if status in DELIVERED:
            self.delivered += n
        elif status in FAILED:
            self.failed += n

    def fields(self) -> dict[str, Any]:
        return counts(self.total, self.delivered, self.failed)


def _tallies(rows, key) -> dict[Any, _Tally]:
    out: dict[Any, _Tally] = {}
    for row in rows:
        out.setdefault(key(row), _Tally()).add(row["status"], row["n"])
    return out


# A chart's queries read a few thousand index rows: neither parallel workers nor JIT pay for
# themselves there (launching them costs more than the query), whatever the row estimates
# of a range join say.
SMALL_READ = "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off"


async def _fetch_all(
    db: Db, *queries: tuple[Any, ...], isolation: str = "read_committed"
) -> list[list[asyncpg.Record]]:
    """Each (query, *args) in one read-only transaction, in order (repeatable_read: one snapshot)."""

    async def run(conn: asyncpg.Connection) -> list[list[asyncpg.Record]]:
        async with conn.transaction(isolation=isolation, readonly=True):
            await conn.execute(SMALL_READ)
            return [await conn.fetch(query, *args) for query, *args in queries]

    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await run(conn)
    return await run(db)


async def _fetch(db: Db, query: str, *args: Any) -> list[asyncpg.Record]:
    return (await _fetch_all(db, (query, *args)))[0]


SUMS = ", ".join(f"sum({c})::bigint AS {c}" for c in WIDE_COLUMNS.split(", "))
_BUCKET_FIELDS = frozenset(SummaryBucket.model_fields)


def _summary_bucket(start: datetime, tally: "_Tally") -> SummaryBucket:
    """SummaryBucket(start=start, **tally.fields()) without validation (our own counts, up to
    5,000 of them per chart): what model_construct does, in a fifth of its time."""
    bucket = object.__new__(SummaryBucket)
    fields = tally.fields()
    fields["start"] = start
    object.__setattr__(bucket, "__dict__", fields)
    object.__setattr__(bucket, "__pydantic_fields_set__", _BUCKET_FIELDS)
    object.__setattr__(bucket, "__pydantic_extra__", None)
    object.__setattr__(bucket, "__pydantic_private__", None)
    return bucket


# The chart's buckets (cut at the zone's bucket edges: the finer levels) with only what a
# bucket shows, and the range's channels and statuses from its coarsest cover (no cuts:
# mostly whole days), both in one snapshot.
SUMMARY_BUCKETS = f"""
SELECT date_trunc(${P}, bucket AT TIME ZONE ${P + 1}) AS start, sum(messages)::bigint AS messages,
    sum(delivered + read)::bigint AS delivered, sum(failed + undelivered)::bigint AS failed
FROM (
    {_wide_union(2, "bucket, channel, messages, delivered, read, failed, undelivered")}
) x
WHERE ${P + 2}::text IS NULL OR channel = ${P + 2}
GROUP BY 1
HAVING sum(messages) <> 0
"""
SUMMARY_TOTALS = f"""
SELECT channel, {SUMS}
FROM (
    {_wide_union(2)}
) x
WHERE ${P}::text IS NULL OR channel = ${P}
GROUP BY 1
HAVING sum(messages) <> 0
"""


async def summary(
    db: Db,
    account_id: int,
    time_zone: str,
    range_from: datetime,
    range_to: datetime,
    bucket: Bucket | None = None,
    channel: str | None = None,
) -> AnalyticsSummary:
    """Volume, success rate, statuses and channels over [range_from, range_to) (both aligned
    down to 15 minutes, the rollups' grain, and answered as aligned), every bucket present."""
    zone = ZoneInfo(time_zone)
    range_from, range_to = align(range_from), align(range_to)
    bucket = bucket or choose_bucket(range_from, range_to)
    cut = _plan_args(plan(range_from, range_to, [(zone, CUTS[bucket])]), LEVELS)
    whole = _plan_args(plan(range_from, range_to, []), LEVELS)
    rows, channel_rows = await _fetch_all(
        db,
        (SUMMARY_BUCKETS, account_id, *cut, bucket, time_zone, channel),
        (SUMMARY_TOTALS, account_id, *whole, channel),
        isolation="repeatable_read",
    )
    by_start = {}
    for r in rows:
        tally = by_start[r["start"]] = _Tally()
        tally.total, tally.delivered, tally.failed = r["messages"], r["delivered"], r["failed"]
    by_channel = _wide_tallies(channel_rows, lambda r: r["channel"])
    statuses = dict.fromkeys(STATUSES, 0)
    total = _Tally()
    for row in channel_rows:
        for status, column in WIDE_STATUSES.items():
            statuses[status] += row[column]
        _add_wide(total, row)
    buckets = []
    empty = _Tally()
    for start in bucket_starts(range_from, range_to, bucket, zone):
        tally = by_start.get(start, empty)
        buckets.append(_summary_bucket(start.replace(tzinfo=zone), tally))
    return AnalyticsSummary(
        account_id=account_id,
        time_zone=time_zone,
        range_from=range_from.astimezone(zone),
        range_to=range_to.astimezone(zone),
        bucket=bucket,
        channel=channel,
        totals=Counts(**total.fields()),
        statuses=statuses,
        buckets=buckets,
        channels=[ChannelCounts(channel=c, **t.fields()) for c, t in sorted(by_channel.items())],
    )


# The time parts of the page in one read of the window's wide rows (GROUPING SETS; rows cut at
# the zone's hours, the last 7 days and the quiet hours' edges), and the senders and failure
# causes from the day details with the full 15-minute rollups at the window's edges.
INTELLIGENCE = f"""
WITH w AS (
    SELECT channel, {WIDE_COLUMNS},
        bucket >= ${P} AS last_7,
        extract(hour FROM bucket AT TIME ZONE ${P + 1})::int AS hour,
        extract(isodow FROM bucket AT TIME ZONE ${P + 1})::int - 1 AS weekday,
        extract(hour FROM bucket AT TIME ZONE ${P + 2})::int NOT BETWEEN ${P + 4} AND ${P + 3} - 1 AS quiet
    FROM (
        {_wide_union(2)}
    ) x
)
SELECT GROUPING(channel, hour, weekday, last_7, quiet) AS g, channel, hour, weekday, last_7, quiet, {SUMS}
FROM w
GROUP BY GROUPING SETS ((channel), (hour, channel), (last_7, hour, channel), (weekday, hour), (quiet))
"""
SENDERS_AND_FAILURES = f"""
SELECT GROUPING(sender_id, error_code) AS g, sender_id, error_code, channel, status, sum(messages)::bigint AS n
FROM (
    {_ranges_of("rollup_day_details", "sender_id, error_code, channel, status, messages", 2, 3)}
    UNION ALL
    {_ranges_of("rollups", "sender_id, error_code, channel, status, messages", 4, 5)}
) x
WHERE sender_id <> '' OR status IN ('FAILED', 'UNDELIVERED')
GROUP BY GROUPING SETS ((sender_id, channel, status), (error_code, channel, status))
"""
ALL_TIME = """
SELECT COALESCE(sum(messages), 0)::bigint AS messages, COALESCE(sum(delivered), 0)::bigint AS delivered,
    COALESCE(sum(read), 0)::bigint AS read, COALESCE(sum(failed), 0)::bigint AS failed,
    COALESCE(sum(undelivered), 0)::bigint AS undelivered
FROM reporting.rollup_days WHERE account_id = $1
"""


TIME_SETS = ("channel", "hour", "weekday", "last_7", "quiet")
WHO_SETS = ("sender_id", "error_code")


def _grouped(rows: list[asyncpg.Record], *present: str, names: tuple[str, ...] = TIME_SETS) -> list[asyncpg.Record]:
    """The rows of the grouping set of exactly the columns `present` (GROUPING()'s bit is 0 for them)."""
    want = sum(1 << (len(names) - 1 - i) for i, name in enumerate(names) if name not in present)
    return [r for r in rows if r["g"] == want]


def _hours(rows: list[asyncpg.Record]) -> dict[int, tuple[_Tally, dict[str, int]]]:
    hours: dict[int, tuple[_Tally, dict[str, int]]] = {h: (_Tally(), {}) for h in range(24)}
    for r in rows:
        tally, by_channel = hours[r["hour"]]
        _add_wide(tally, r)
        if r["messages"]:
            by_channel[r["channel"]] = by_channel.get(r["channel"], 0) + r["messages"]
    return hours


def _best(items: list, min_volume: int):
    """The highest rate among those with total >= min_volume (ties: more volume, then first)."""
    eligible = [i for i in items if i.total >= min_volume and i.rate is not None]
    return max(eligible, key=lambda i: (i.rate, i.total), default=None)


async def intelligence(
    db: Db, account_id: int, time_zone: str, now: datetime, window_days: int = 30, min_volume: int = 100
) -> Intelligence:
    """Campaign Intelligence's facts over the last `window_days` before `now` (hours and weekdays
    in the account's zone; the volume-by-hour chart over the last 7 days)."""
    until = align(now) + GRANULE  # the bucket holding `now` included
    since, last_7 = until - timedelta(days=window_days), until - timedelta(days=7)
    zone = ZoneInfo(time_zone)
    ranges = plan(since, until, [(zone, CUTS["hour"]), (ZoneInfo(QUIET_ZONE), QUIET_CUTS)], points=(last_7,))
    details = plan(since, until, [], grains=(QUARTER, DAY))
    rows, who, totals = await _fetch_all(
        db,
        (INTELLIGENCE, account_id, *_plan_args(ranges, LEVELS), last_7, time_zone, QUIET_ZONE,
         QUIET_FROM, QUIET_TO),
        (SENDERS_AND_FAILURES, account_id, *_plan_args(details, (DAY, QUARTER))),
        (ALL_TIME, account_id),
    )  # fmt: skip
    all_time = _Tally()
    for r in totals:
        _add_wide(all_time, r)

    channels = [
        ChannelPerformance(channel=c, enough_volume=t.total >= min_volume, **t.fields())
        for c, t in sorted(_wide_tallies(_grouped(rows, "channel"), lambda r: r["channel"]).items())
        if t.total
    ]
    window_hours = [
        HourPerformance(hour=h, by_channel=by_channel, **t.fields())
        for h, (t, by_channel) in sorted(_hours(_grouped(rows, "hour", "channel")).items())
    ]
    recent = [r for r in _grouped(rows, "last_7", "hour", "channel") if r["last_7"]]
    hours_7 = [
        HourPerformance(hour=h, by_channel=by_channel, **t.fields())
        for h, (t, by_channel) in sorted(_hours(recent).items())
    ]
    heat = {(r["weekday"], r["hour"]): r["messages"] for r in _grouped(rows, "weekday", "hour")}
    heatmap = [HeatCell(weekday=d, hour=h, total=heat.get((d, h), 0)) for d in range(7) for h in range(24)]
    senders = sorted(
        (
            SenderPerformance(sender_id=s, channel=c, **t.fields())
            for (s, c), t in _tallies(
                [r for r in _grouped(who, "sender_id", names=WHO_SETS) if r["sender_id"]],
                lambda r: (r["sender_id"], r["channel"]),
            ).items()
        ),
        key=lambda s: (-s.total, s.sender_id, s.channel),
    )
    failures: dict[tuple[str, str], int] = {}
    for r in _grouped(who, "error_code", names=WHO_SETS):
        if r["status"] in FAILED:
            key = (r["error_code"] or "UNKNOWN", r["channel"])
            failures[key] = failures.get(key, 0) + r["n"]
    failed_total = sum(failures.values())
    causes = [
        FailureCause(error_code=code, channel=channel, count=n, share=n / failed_total)
        for (code, channel), n in sorted(failures.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FAILURES]
    ]
    quiet_rows = _grouped(rows, "quiet")
    campaign_total = sum(r["campaign"] for r in quiet_rows)
    in_quiet = sum(r["campaign"] for r in quiet_rows if r["quiet"])
    return Intelligence(
        account_id=account_id,
        time_zone=time_zone,
        generated_at=now,
        window_days=window_days,
        min_volume=min_volume,
        total_messages=all_time.total,
        avg_delivery_rate=all_time.fields()["rate"],
        best_channel=_best(channels, min_volume),
        best_hour=_best(window_hours, min_volume),
        channels=channels,
        hours_last_7_days=hours_7,
        heatmap=heatmap,
        senders=senders,
        failure_causes=causes,
        quiet_hours=QuietHours(
            campaign_messages=campaign_total,
            in_quiet_hours=in_quiet,
            share=in_quiet / campaign_total if campaign_total else None,
        ),
    )


CAMPAIGNS = """
SELECT campaign_id, status, messages AS n FROM reporting.rollup_campaigns
WHERE account_id = $1 AND campaign_id = ANY($2::bigint[]) AND campaign_id <> 0 AND messages <> 0
"""


async def campaign_delivery(db: Db, account_id: int, campaign_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """{campaign id: (messages, delivered, failed)} of the account's campaigns `campaign_ids`
    (a campaign without messages in the rollups is absent)."""
    if not campaign_ids:
        return {}
    rows = await _fetch(db, CAMPAIGNS, account_id, list(campaign_ids))
    return {c: (t.total, t.delivered, t.failed) for c, t in _tallies(rows, lambda r: r["campaign_id"]).items()}


# The HTTP side both APIs share (the console's /api/analytics and the gateway's /api/v1/analytics).
RangeName = Literal["24h", "7d", "30d", "90d", "custom"]
PRESETS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
MAX_SPAN = timedelta(days=400)  # a custom range longer than this is refused
MAX_BUCKETS = 5_000  # a chart of more buckets than this is refused (90 days of hours is 2,160)
CSV_HEADER = ("start", "total", "delivered", "failed", "pending", "success_rate")


def invalid_range(message: str, field: str = "range") -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, message, field=field)


def resolve_range(
    range_: str,
    from_: datetime | None,
    to: datetime | None,
    zone: ZoneInfo,
    bucket: Bucket | None = None,
    now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """The instants [from, to) of a preset (ending with the current 15 minutes) or a custom
    range (an offset-less time is read in the account's zone `zone`); refusals name the field."""
    if range_ != "custom":
        if from_ is not None or to is not None:
            raise invalid_range("from and to go with range=custom only", "from" if from_ is not None else "to")
        if range_ not in PRESETS:
            raise invalid_range("range is one of 24h, 7d, 30d, 90d, custom")
        until = align(now or datetime.now(UTC)) + GRANULE
        since = until - PRESETS[range_]
    else:
        if from_ is None or to is None:
            raise invalid_range("range=custom needs both from and to", "from" if from_ is None else "to")
        since, until = (t.replace(tzinfo=zone) if t.tzinfo is None else t for t in (from_, to))
        if since >= until:
            raise invalid_range("from must be before to", "from")
        if until - since > MAX_SPAN:
            raise invalid_range(f"a range spans at most {MAX_SPAN.days} days", "to")
    if bucket is not None and (until - since) / STEP[bucket] > MAX_BUCKETS:
        raise invalid_range(f"more than {MAX_BUCKETS} {bucket} buckets: choose a larger bucket", "bucket")
    return since, until


def summary_csv(result: AnalyticsSummary) -> str:
    """One line per bucket after the header; the start in the account's zone with its offset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for b in result.buckets:
        rate = "" if b.rate is None else f"{b.rate:.4f}"
        writer.writerow((b.start.isoformat(), b.total, b.delivered, b.failed, b.pending, rate))
    return buffer.getvalue()


def _either(item: dict, camel: str, snake: str, default: Any = None) -> Any:
    return item.get(camel, item.get(snake, default))


async def campaign_performance(
    db: Db, account_id: int, listed: dict, page: int, page_size: int
) -> CampaignPerformancePage:
    """A page of the campaigns service's list of the account's campaigns (name, status, records,
    processed, failed) with each one's delivered messages and delivery rate from the rollups."""
    items = listed.get("items", [])
    delivery = await campaign_delivery(db, account_id, [int(i["id"]) for i in items])
    out = []
    for item in items:
        messages, delivered, _failed = delivery.get(int(item["id"]), (0, 0, 0))
        out.append(
            CampaignPerformance(
                campaign_id=item["id"],
                name=item["name"],
                status=item["status"],
                total=item.get("total", 0),
                processed=item.get("processed", 0),
                failed=item.get("failed", 0),
                delivered=delivered,
                delivery_rate=delivered / messages if messages else None,
                created_at=_either(item, "createdAt", "created_at"),
            )
        )
    return CampaignPerformancePage(
        items=out,
        total=listed.get("total", len(out)),
        page=listed.get("page", page),
        page_size=_either(listed, "pageSize", "page_size", page_size),
    )
