"""`analytics.plan`: which rollup level serves which piece of a range. The pieces cover the
range exactly once, and a row of a coarser level (a UTC hour or day) is used only where all
of its 15-minute buckets fall in one chart bucket in the account's zone, so a chart from the
levels equals one from the 15-minute buckets: an hour in UTC is an hour in a whole-hour zone,
never in Asia/Kolkata (+5:30) or Asia/Kathmandu (+5:45), where a UTC half hour is inside one
local hour; daylight saving changes included."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cpaas.message_log.analytics import CUTS, DAY, HALF, HOUR, QUARTER, QUIET_CUTS, QUIET_ZONE, align, local_start, plan

ZONES = ("UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York", "Europe/London", "Australia/Lord_Howe")
T0 = datetime(2026, 3, 1, tzinfo=UTC)  # DST starts inside the next weeks in New York, London, ends in Lord Howe


def rows_of(ranges: dict) -> list[tuple[int, datetime]]:
    """Every (grain, start) row the plan reads."""
    out = []
    for grain, (starts, ends) in ranges.items():
        for lo, hi in zip(starts, ends, strict=True):
            t = lo
            while t < hi:
                out.append((grain, t))
                t += timedelta(seconds=grain)
            assert t == hi, "a range holds whole buckets of its level"
            assert int(lo.timestamp()) % grain == 0, "UTC-aligned to its level"
    return out


def quarters(grain: int, start: datetime) -> list[datetime]:
    return [start + timedelta(seconds=QUARTER * i) for i in range(grain // QUARTER)]


def random_range(rng: random.Random) -> tuple[datetime, datetime]:
    lo = T0 + timedelta(minutes=15 * rng.randrange(60 * 24 * 4 * 2))
    return lo, lo + timedelta(minutes=15 * rng.randrange(1, 4 * 24 * 40))


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("bucket", ["hour", "day", "week"])
def test_the_levels_cover_the_range_once_and_no_row_spans_two_chart_buckets(zone_name, bucket) -> None:
    zone, rng = ZoneInfo(zone_name), random.Random(f"{zone_name}{bucket}")
    for _ in range(15):
        lo, hi = random_range(rng)
        rows = rows_of(plan(lo, hi, [(zone, CUTS[bucket])]))
        covered = sorted(q for grain, start in rows for q in quarters(grain, start))
        expected = [lo + timedelta(minutes=15 * i) for i in range(int((hi - lo) / timedelta(minutes=15)))]
        assert covered == expected
        for grain, start in rows:
            assert len({local_start(q, bucket, zone) for q in quarters(grain, start)}) == 1, (grain, start)


def test_a_whole_hour_zone_reads_hours_and_days_kolkata_half_hours_and_kathmandu_quarters_for_hours() -> None:
    lo, hi = T0, T0 + timedelta(days=90)
    utc_hours = rows_of(plan(lo, hi, [(ZoneInfo("UTC"), CUTS["hour"])]))
    assert {g for g, _ in utc_hours} == {HOUR} and len(utc_hours) == 90 * 24
    utc_weeks = rows_of(plan(lo, hi, [(ZoneInfo("UTC"), CUTS["week"])]))
    assert {g for g, _ in utc_weeks} == {DAY} and len(utc_weeks) == 90
    # a Kolkata hour (+5:30) is two UTC half hours, read as one range of half hours
    ist = plan(lo, hi, [(ZoneInfo("Asia/Kolkata"), CUTS["hour"])])
    ist_hours = rows_of(ist)
    assert {g for g, _ in ist_hours} == {HALF} and len(ist_hours) == 90 * 24 * 2 and len(ist[HALF][0]) == 1
    # a Kathmandu one (+5:45) would be a half hour between two quarters (three ranges an hour): quarters
    npt = plan(lo, hi, [(ZoneInfo("Asia/Kathmandu"), CUTS["hour"])])
    assert Counter(g for g, _ in rows_of(npt)) == {QUARTER: 90 * 24 * 4} and len(npt[QUARTER][0]) == 1
    ist_days = rows_of(plan(lo, hi, [(ZoneInfo("Asia/Kolkata"), CUTS["day"])]))
    # a Kolkata day is 18:30-18:30 UTC: 23 whole UTC hours and a half hour at each end
    assert sum(1 for g, _ in ist_days if g == HOUR) == 18 + 89 * 23 + 5  # 00:00-18:00 first, 19:00-24:00 last
    assert sum(1 for g, _ in ist_days if g == HALF) == 1 + 89 * 2 + 1
    assert not any(g in (DAY, QUARTER) for g, _ in ist_days)
    ist_weeks = rows_of(plan(lo, hi, [(ZoneInfo("Asia/Kolkata"), CUTS["week"])]))
    assert any(g == DAY for g, _ in ist_weeks)  # the UTC days inside a Kolkata week


def test_points_and_the_quiet_hours_cut_the_rows() -> None:
    lo = T0 + timedelta(minutes=45)
    hi, seven = lo + timedelta(days=30), lo + timedelta(days=23, minutes=15)
    rows = rows_of(plan(lo, hi, [(ZoneInfo("UTC"), CUTS["hour"]), (ZoneInfo(QUIET_ZONE), QUIET_CUTS)], (seven,)))
    ist = ZoneInfo(QUIET_ZONE)
    for grain, start in rows:
        inside = quarters(grain, start)
        assert len({q >= seven for q in inside}) == 1
        assert len({9 <= q.astimezone(ist).hour < 21 for q in inside}) == 1
        assert len({q.hour for q in inside}) == 1


def test_details_read_whole_utc_days_and_fifteen_minutes_at_the_edges() -> None:
    lo = align(datetime(2026, 3, 1, 7, 31, tzinfo=UTC))
    ranges = plan(lo, lo + timedelta(days=30), [], grains=(QUARTER, DAY))
    rows = rows_of(ranges)
    assert sum(1 for g, _ in rows if g == DAY) == 29
    assert sum(1 for g, _ in rows if g == QUARTER) == 96  # 16:30 before the first midnight, 7:30 after the last
