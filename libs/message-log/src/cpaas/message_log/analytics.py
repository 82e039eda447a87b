"""The analytics read side (issue 25): Report Summary and Campaign Intelligence, from
reporting's rollups (`reporting.rollups`, migration 0008) only, never a scan of the log.

A rollup row counts the messages of one account whose row in the log has one key: the
15-minute UTC bucket of created_at, channel (of the latest attempt), final status, sender
ID, campaign and error code. Every zone's offset is a multiple of 15 minutes, so the
account's hours, days and weeks are exact sums of buckets, computed here in its zone
(`bucket AT TIME ZONE zone`). Read only, and every query is scoped by account id first,
the leading column of the rollups' key."""

import csv
import io
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


async def _fetch(db: Db, query: str, *args: Any) -> list[asyncpg.Record]:
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await conn.fetch(query, *args)
    return await db.fetch(query, *args)


SUMMARY = """
SELECT date_trunc($5, bucket AT TIME ZONE $4) AS start, channel, status, sum(messages)::bigint AS n
FROM reporting.rollup_totals
WHERE account_id = $1 AND bucket >= $2 AND bucket < $3 AND ($6::text IS NULL OR channel = $6)
GROUP BY 1, 2, 3
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
    rows = await _fetch(db, SUMMARY, account_id, range_from, range_to, time_zone, bucket, channel)
    by_start = _tallies(rows, lambda r: r["start"])
    by_channel = _tallies(rows, lambda r: r["channel"])
    statuses = dict.fromkeys(STATUSES, 0)
    total = _Tally()
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["n"]
        total.add(row["status"], row["n"])
    buckets = []
    for start in bucket_starts(range_from, range_to, bucket, zone):
        tally = by_start.get(start, _Tally())
        buckets.append(SummaryBucket(start=start.replace(tzinfo=zone), **tally.fields()))
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


# The time parts of the page in one scan of the window's totals (GROUPING SETS), and the
# senders and failure causes from the full rollups.
INTELLIGENCE = """
WITH w AS (
    SELECT channel, status, messages,
        bucket >= $3 AS last_7,
        extract(hour FROM bucket AT TIME ZONE $4)::int AS hour,
        extract(isodow FROM bucket AT TIME ZONE $4)::int - 1 AS weekday,
        campaign,
        extract(hour FROM bucket AT TIME ZONE $5)::int NOT BETWEEN $8 AND $7 - 1 AS quiet
    FROM reporting.rollup_totals
    WHERE account_id = $1 AND bucket >= $2 AND bucket < $6
)
SELECT GROUPING(channel, status, hour, weekday, last_7, campaign, quiet) AS g,
    channel, status, hour, weekday, last_7, campaign, quiet, sum(messages)::bigint AS n
FROM w
GROUP BY GROUPING SETS (
    (channel, status),
    (hour, channel, status),
    (last_7, hour, channel, status),
    (weekday, hour),
    (campaign, quiet)
)
"""
SENDERS_AND_FAILURES = """
SELECT GROUPING(sender_id, error_code) AS g, sender_id, error_code, channel, status, sum(messages)::bigint AS n
FROM reporting.rollups
WHERE account_id = $1 AND bucket >= $2 AND bucket < $3 AND (sender_id <> '' OR status IN ('FAILED', 'UNDELIVERED'))
GROUP BY GROUPING SETS ((sender_id, channel, status), (error_code, channel, status))
"""
ALL_TIME = """
SELECT status, sum(messages)::bigint AS n FROM reporting.rollup_totals WHERE account_id = $1 GROUP BY status
"""


TIME_SETS = ("channel", "status", "hour", "weekday", "last_7", "campaign", "quiet")
WHO_SETS = ("sender_id", "error_code")


def _grouped(rows: list[asyncpg.Record], *present: str, names: tuple[str, ...] = TIME_SETS) -> list[asyncpg.Record]:
    """The rows of the grouping set of exactly the columns `present` (GROUPING()'s bit is 0 for them)."""
    want = sum(1 << (len(names) - 1 - i) for i, name in enumerate(names) if name not in present)
    return [r for r in rows if r["g"] == want]


def _hours(rows: list[asyncpg.Record]) -> dict[int, tuple[_Tally, dict[str, int]]]:
    hours: dict[int, tuple[_Tally, dict[str, int]]] = {h: (_Tally(), {}) for h in range(24)}
    for r in rows:
        tally, by_channel = hours[r["hour"]]
        tally.add(r["status"], r["n"])
        by_channel[r["channel"]] = by_channel.get(r["channel"], 0) + r["n"]
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
    rows = await _fetch(db, INTELLIGENCE, account_id, since, last_7, time_zone, QUIET_ZONE, until, QUIET_FROM, QUIET_TO)
    who = await _fetch(db, SENDERS_AND_FAILURES, account_id, since, until)
    all_time = _Tally()
    for r in await _fetch(db, ALL_TIME, account_id):
        all_time.add(r["status"], r["n"])

    channels = [
        ChannelPerformance(channel=c, enough_volume=t.total >= min_volume, **t.fields())
        for c, t in sorted(_tallies(_grouped(rows, "channel", "status"), lambda r: r["channel"]).items())
    ]
    window_hours = [
        HourPerformance(hour=h, by_channel=by_channel, **t.fields())
        for h, (t, by_channel) in sorted(_hours(_grouped(rows, "hour", "channel", "status")).items())
    ]
    recent = [r for r in _grouped(rows, "last_7", "hour", "channel", "status") if r["last_7"]]
    hours_7 = [
        HourPerformance(hour=h, by_channel=by_channel, **t.fields())
        for h, (t, by_channel) in sorted(_hours(recent).items())
    ]
    heat = {(r["weekday"], r["hour"]): r["n"] for r in _grouped(rows, "weekday", "hour")}
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
    campaign_rows = [r for r in _grouped(rows, "campaign", "quiet") if r["campaign"]]
    campaign_total = sum(r["n"] for r in campaign_rows)
    in_quiet = sum(r["n"] for r in campaign_rows if r["quiet"])
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
SELECT campaign_id, status, sum(messages)::bigint AS n FROM reporting.rollups
WHERE account_id = $1 AND campaign_id = ANY($2::bigint[]) AND campaign_id <> 0
GROUP BY 1, 2
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
