"""The rollups' coarser levels (migrations 0009, 0010) through the real reporting consumer:
messages over ten days, their events redelivered and out of order. Each level (15-minute wide
rows, UTC half hours, UTC hours, UTC days, day details, campaigns) equals the sum of the 15-minute full rollups
and a scan of the log; `rebuild_rollups` gives the same rows; and the Report Summary and
Campaign Intelligence read from the levels equal the same charts computed from the log's rows
in UTC, Asia/Kolkata (+5:30), Asia/Kathmandu (+5:45) and America/New_York."""

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from cpaas.contracts import Channel, MessageStatus, new_message_id
from cpaas.message_log import MessageLogReader, ReportFilter, _rollup_count, analytics
from cpaas.reporting.store import MessageLog

S = MessageStatus
WIDE = (
    "messages",
    "submitted",
    "submitted_operator",
    "delivered",
    "read",
    "retrying",
    "failed",
    "undelivered",
    "campaign",
)
ZONES = ("UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York")
DELIVERED, FAILED = {"DELIVERED", "READ"}, {"FAILED", "UNDELIVERED"}


def floor(t: datetime, seconds: int) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return t - timedelta(seconds=(t - epoch).total_seconds() % seconds)


def wide_from(rows, grain: int) -> Counter:
    out: Counter = Counter()
    for r in rows:
        key = (floor(r["created_at"], grain), r["channel"])
        out[(*key, "messages")] += 1
        out[(*key, r["status"].lower())] += 1
        if r["campaign_id"]:
            out[(*key, "campaign")] += 1
    return out


async def wide_table(db: asyncpg.Connection, table: str, account: int) -> Counter:
    out: Counter = Counter()
    for r in await db.fetch(f"SELECT * FROM {table} WHERE account_id = $1", account):
        for column in WIDE:
            if r[column]:
                out[(r["bucket"], r["channel"], column)] += r[column]
    return out


async def levels(db: asyncpg.Connection, account: int) -> dict[str, Counter]:
    async with db.transaction(isolation="repeatable_read", readonly=True):
        out = {
            t: await wide_table(db, t, account)
            for t in ("rollup_quarters", "rollup_halves", "rollup_hours", "rollup_days")
        }
        details = await db.fetch(
            "SELECT bucket, channel, status, sender_id, error_code, messages FROM rollup_day_details"
            " WHERE account_id = $1 AND messages <> 0",
            account,
        )
        out["rollup_day_details"] = Counter({tuple(r.values())[:-1]: r["messages"] for r in details})
        campaigns = await db.fetch(
            "SELECT campaign_id, status, messages FROM rollup_campaigns WHERE account_id = $1 AND messages <> 0",
            account,
        )
        out["rollup_campaigns"] = Counter({(r["campaign_id"], r["status"]): r["messages"] for r in campaigns})
        full = await db.fetch(
            "SELECT bucket, channel, status, sender_id, campaign_id, error_code, messages FROM rollups"
            " WHERE account_id = $1 AND messages <> 0",
            account,
        )
    from_full: Counter = Counter()
    for r in full:
        from_full[(r["bucket"], r["channel"], "messages")] += r["messages"]
        from_full[(r["bucket"], r["channel"], r["status"].lower())] += r["messages"]
        if r["campaign_id"]:
            from_full[(r["bucket"], r["channel"], "campaign")] += r["messages"]
    out["full as wide"] = from_full
    return out


def expected_levels(rows) -> dict[str, Counter]:
    details: Counter = Counter()
    campaigns: Counter = Counter()
    for r in rows:
        key = (floor(r["created_at"], 86400), r["channel"], r["status"], r["sender_id"] or "", r["error_code"] or "")
        details[key] += 1
        if r["campaign_id"]:
            campaigns[(r["campaign_id"], r["status"])] += 1
    return {
        "rollup_quarters": wide_from(rows, 900),
        "rollup_halves": wide_from(rows, 1800),
        "rollup_hours": wide_from(rows, 3600),
        "rollup_days": wide_from(rows, 86400),
        "rollup_day_details": details,
        "rollup_campaigns": campaigns,
        "full as wide": wide_from(rows, 900),
    }


def scan_summary(rows, zone: ZoneInfo, bucket: str, lo: datetime, hi: datetime, channel: str | None):
    """The Report Summary computed from the log's rows: each message in its local bucket."""
    by_start: dict = {}
    for r in rows:
        if lo <= r["created_at"] < hi and channel in (None, r["channel"]):
            start = analytics.local_start(r["created_at"], bucket, zone)
            t = by_start.setdefault(start, [0, 0, 0])
            t[0] += 1
            t[1] += r["status"] in DELIVERED
            t[2] += r["status"] in FAILED
    return by_start


@pytest.fixture
async def traffic(harness, submitted, status):
    """An account's 80 messages over the last ten days, through the consumer; the log's rows."""
    rng = random.Random()
    account = rng.randint(4 * 10**9, 5 * 10**9)
    now = datetime.now(UTC)
    events, finals = [], {}
    for _ in range(80):
        created = now - timedelta(minutes=rng.randrange(10 * 24 * 60))
        message_id = new_message_id(int(created.timestamp() * 1000))
        channel = rng.choice((Channel.SMS, Channel.SMS, Channel.WHATSAPP))
        final = rng.choice((S.DELIVERED, S.READ, S.UNDELIVERED, S.FAILED, S.SUBMITTED_OPERATOR))
        error = (
            {"error_code": rng.choice(("CARRIER_REJECTED", "CARRIER_EXPIRED"))}
            if final in (S.FAILED, S.UNDELIVERED)
            else {}
        )
        if final is S.READ and channel is Channel.SMS:
            final = S.DELIVERED
        campaign = rng.choice((None, None, 51, 52))
        finals[message_id] = final
        mine = [
            submitted(message_id, channel=channel, campaign_id=campaign),
            status(message_id, S.SUBMITTED_OPERATOR, channel=channel, occurred_at=created + timedelta(seconds=1)),
        ]
        if final is not S.SUBMITTED_OPERATOR:
            mine.append(status(message_id, final, channel=channel, occurred_at=created + timedelta(seconds=5), **error))
        events += [e.model_copy(update={"account_id": account}) for e in mine]
    async with harness.service():
        await harness.publish(*random.sample(events, len(events)))  # out of order
        await harness.publish(*random.sample(events, len(events) // 2))  # and half again
        for message_id, final in finals.items():
            await harness.wait_for_message(message_id, status=final.value)
        await asyncio.sleep(1.0)  # the redeliveries consumed
    rows = await harness.db.fetch(
        "SELECT created_at, channel, status, sender_id, campaign_id, error_code FROM messages WHERE account_id = $1",
        account,
    )
    assert len(rows) == 80
    return account, now, rows


async def test_every_level_equals_the_fifteen_minute_rollups_and_a_log_scan(harness, traffic) -> None:
    account, _, rows = traffic
    maintained = await levels(harness.db, account)
    expected = expected_levels(rows)
    for name in expected:
        assert maintained[name] == expected[name], name
    pool = await asyncpg.create_pool(harness.settings.postgres.dsn, min_size=1, max_size=1,
                                     server_settings={"search_path": "reporting,public"})  # fmt: skip
    try:
        await MessageLog(pool).rebuild_rollups()
        rebuilt_all = await levels(harness.db, account)
        since = min(r["created_at"] for r in rows) + timedelta(hours=30, minutes=7)  # mid-day, mid-hour
        await MessageLog(pool).rebuild_rollups(since, since + timedelta(days=2, minutes=50))
        rebuilt_part = await levels(harness.db, account)
    finally:
        await pool.close()
    assert rebuilt_all == maintained
    assert rebuilt_part == maintained


async def test_the_summary_from_the_levels_equals_the_log_in_the_accounts_zone(harness, traffic) -> None:
    account, now, rows = traffic
    for zone_name in ZONES:
        assert await summary_matches(harness.db, account, now, rows, zone_name), zone_name


async def summary_matches(db, account, now, rows, zone_name) -> bool:
    """Asserts each case; True once every case matched."""
    zone = ZoneInfo(zone_name)
    cases = [
        (now - timedelta(days=10, hours=1), now, "hour", None),
        (now - timedelta(days=10, hours=1), now, "day", None),
        (now - timedelta(days=10, hours=1), now, "week", None),
        (now - timedelta(days=6, minutes=37), now - timedelta(hours=5, minutes=10), "day", "SMS"),
        (now - timedelta(days=3, minutes=22), now - timedelta(minutes=44), "hour", "WHATSAPP"),
    ]
    for lo, hi, bucket, channel in cases:
        got = await analytics.summary(db, account, zone_name, lo, hi, bucket, channel)
        want = scan_summary(rows, zone, bucket, analytics.align(lo), analytics.align(hi), channel)
        listed = {b.start.replace(tzinfo=None): [b.total, b.delivered, b.failed] for b in got.buckets if b.total}
        assert listed == want, (zone_name, bucket, channel)
        inside = [
            r for r in rows if got.range_from <= r["created_at"] < got.range_to and channel in (None, r["channel"])
        ]
        assert got.totals.total == len(inside)
        assert {k: v for k, v in got.statuses.items() if v} == Counter(r["status"] for r in inside)
        assert {c.channel: c.total for c in got.channels} == Counter(r["channel"] for r in inside)
    return True


async def test_intelligence_from_the_levels_equals_the_log_in_the_accounts_zone(harness, traffic) -> None:
    account, now, rows = traffic
    for zone_name in ZONES:
        assert await intelligence_matches(harness.db, account, now, rows, zone_name), zone_name


async def intelligence_matches(db, account, now, rows, zone_name) -> bool:
    """Asserts each figure; True once every figure matched."""
    zone, ist = ZoneInfo(zone_name), ZoneInfo(analytics.QUIET_ZONE)
    got = await analytics.intelligence(db, account, zone_name, now, min_volume=1)
    last_7 = analytics.align(now) + analytics.GRANULE - timedelta(days=7)
    local = [(r, r["created_at"].astimezone(zone)) for r in rows]
    assert got.total_messages == len(rows)
    assert {c.channel: (c.total, c.delivered, c.failed) for c in got.channels} == {
        ch: (
            sum(1 for r in rows if r["channel"] == ch),
            sum(1 for r in rows if r["channel"] == ch and r["status"] in DELIVERED),
            sum(1 for r in rows if r["channel"] == ch and r["status"] in FAILED),
        )
        for ch in {r["channel"] for r in rows}
    }
    assert [h.total for h in got.hours_last_7_days] == [
        sum(1 for r, t in local if t.hour == h and r["created_at"] >= last_7) for h in range(24)
    ]
    heat = Counter((t.weekday(), t.hour) for _, t in local)
    assert {(c.weekday, c.hour): c.total for c in got.heatmap if c.total} == heat
    campaign = [r for r in rows if r["campaign_id"]]
    quiet = [r for r in campaign if not 9 <= r["created_at"].astimezone(ist).hour < 21]
    assert (got.quiet_hours.campaign_messages, got.quiet_hours.in_quiet_hours) == (len(campaign), len(quiet))
    assert {(s.sender_id, s.channel): s.total for s in got.senders} == Counter(
        (r["sender_id"], r["channel"]) for r in rows if r["sender_id"]
    )
    failures = Counter((r["error_code"] or "UNKNOWN", r["channel"]) for r in rows if r["status"] in FAILED)
    assert {(f.error_code, f.channel): f.count for f in got.failure_causes} == failures
    delivery = await analytics.campaign_delivery(db, account, [51, 52, 53])
    assert delivery == {
        c: (
            sum(1 for r in campaign if r["campaign_id"] == c),
            sum(1 for r in campaign if r["campaign_id"] == c and r["status"] in DELIVERED),
            sum(1 for r in campaign if r["campaign_id"] == c and r["status"] in FAILED),
        )
        for c in {r["campaign_id"] for r in campaign}
    }
    return True


async def test_the_reports_total_from_the_rollups_equals_the_log_and_falls_back_while_deltas_wait(harness, traffic):
    account, now, rows = traffic
    pool = await asyncpg.create_pool(harness.settings.postgres.dsn, min_size=1, max_size=2)
    reader = MessageLogReader(pool)
    try:
        cases = [
            (now - timedelta(days=9, minutes=7), now - timedelta(minutes=3), None, None),
            (now - timedelta(days=6, hours=5, minutes=22), now - timedelta(days=1, minutes=44), "DELIVERED", None),
            (now - timedelta(days=8, minutes=1), now, "UNDELIVERED", "SMS"),
            (now - timedelta(days=10), now, None, "WHATSAPP"),
        ]
        odd = timezone(timedelta(hours=8, minutes=4))  # an offset off the 15-minute grid (ISO allows it)
        cases.append((now.astimezone(odd) - timedelta(days=7, seconds=41), now.astimezone(odd), None, None))
        for since, until, state, channel in cases:
            flt = ReportFilter(account, status=state, channel=channel, created_from=since, created_to=until)
            want = sum(
                1 for r in rows
                if since <= r["created_at"] < until and state in (None, r["status"]) and channel in (None, r["channel"])
            )  # fmt: skip
            async with pool.acquire() as conn:
                assert await _rollup_count(conn, flt, *flt.where()) == want  # the rollups answered
            assert (await reader.page(flt, page=1, page_size=5))[1] == want
        # a row written without a flush: its deltas wait, the rollups step aside, the total stays exact
        created = now - timedelta(days=2)
        await harness.db.execute(
            "INSERT INTO messages (message_id, created_at, account_id, recipient, channel, primary_channel, status,"
            " status_rank) VALUES ($1, $2, $3, '+919800000001', 'SMS', 'SMS', 'DELIVERED', 3)",
            new_message_id(int(created.timestamp() * 1000)), created, account,
        )  # fmt: skip
        ancient = ReportFilter(
            account, created_from=datetime(88, 4, 17, tzinfo=odd), created_to=datetime(221, 5, 17, tzinfo=UTC)
        )
        assert (await reader.page(ancient, page=1, page_size=5))[1] == 0  # before the levels' grid: the log's count
        flt = ReportFilter(account, created_from=now - timedelta(days=9), created_to=now)
        async with pool.acquire() as conn:
            assert await _rollup_count(conn, flt, *flt.where()) is None
        want = sum(1 for r in rows if flt.created_from <= r["created_at"] < now) + 1
        assert (await reader.page(flt, page=1, page_size=5))[1] == want
        await harness.db.execute("SELECT flush_rollups(true)")
        async with pool.acquire() as conn:
            assert await _rollup_count(conn, flt, *flt.where()) == want
    finally:
        await pool.close()


QUARTER_HOURS = """
SELECT date_trunc('hour', bucket AT TIME ZONE $4) AS start, sum(messages)::bigint AS total,
    sum(delivered + read)::bigint AS delivered, sum(failed + undelivered)::bigint AS failed
FROM rollup_quarters WHERE account_id = $1 AND bucket >= $2 AND bucket < $3
GROUP BY 1 HAVING sum(messages) <> 0
"""


async def test_a_kolkata_hourly_summary_reads_half_hours_and_equals_the_fifteen_minute_level(harness, traffic):
    account, now, _ = traffic
    zone = ZoneInfo("Asia/Kolkata")  # +05:30 all year
    for lo, hi in (
        (now - timedelta(days=10, hours=1), now),
        (now - timedelta(days=4, minutes=50), now - timedelta(hours=2, minutes=25)),  # off the half-hour grid
    ):
        got = await analytics.summary(harness.db, account, "Asia/Kolkata", lo, hi, "hour")
        ranges = analytics.plan(got.range_from, got.range_to, [(zone, analytics.CUTS["hour"])])
        halves = sum((b - a) // timedelta(minutes=30) for a, b in zip(*ranges[analytics.HALF], strict=True))
        assert halves >= 2 * 24 * 3, "the planner reads the 30-minute level for Kolkata's hours"
        assert not ranges[analytics.HOUR][0] and not ranges[analytics.DAY][0]
        quarters = await harness.db.fetch(QUARTER_HOURS, account, got.range_from, got.range_to, "Asia/Kolkata")
        want = {r["start"]: [r["total"], r["delivered"], r["failed"]] for r in quarters}
        listed = {b.start.replace(tzinfo=None): [b.total, b.delivered, b.failed] for b in got.buckets if b.total}
        assert listed == want
        assert got.totals.total == sum(t for t, _, _ in want.values())
