"""The analytics read side's pure parts: the bucket a range is charted by, the 15-minute
alignment, the buckets of a range in the account's zone (Asia/Kolkata is +5:30, so its
hours start at :30 UTC), and the range parameters' refusals."""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cpaas.contracts.errors import ApiError
from cpaas.message_log.analytics import align, bucket_starts, choose_bucket, local_start, resolve_range

T = datetime(2026, 3, 10, 12, 7, 41, tzinfo=UTC)
IST = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    "span,bucket",
    [
        (timedelta(hours=1), "hour"),
        (timedelta(hours=24), "hour"),
        (timedelta(days=2), "hour"),
        (timedelta(days=2, minutes=15), "day"),
        (timedelta(days=7), "day"),
        (timedelta(days=60), "day"),
        (timedelta(days=61), "week"),
        (timedelta(days=90), "week"),
    ],
)
def test_the_bucket_is_chosen_by_the_range(span, bucket) -> None:
    assert choose_bucket(T - span, T) == bucket


def test_align_is_down_to_fifteen_minutes_of_utc() -> None:
    assert align(T) == datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert align(datetime(2026, 3, 10, 12, 15, tzinfo=UTC)) == datetime(2026, 3, 10, 12, 15, tzinfo=UTC)
    assert align(T.astimezone(IST)) == datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # same instant, any zone


def test_kolkata_hours_and_days_start_at_half_past_utc() -> None:
    # 12:07 UTC is 17:37 IST: its hour started 17:00 IST = 11:30 UTC, its day 18:30 UTC the day before
    assert local_start(T, "hour", IST) == datetime(2026, 3, 10, 17, 0)
    assert local_start(T, "hour", IST).replace(tzinfo=IST).astimezone(UTC) == datetime(2026, 3, 10, 11, 30, tzinfo=UTC)
    assert local_start(T, "day", IST).replace(tzinfo=IST).astimezone(UTC) == datetime(2026, 3, 9, 18, 30, tzinfo=UTC)
    assert local_start(T, "week", IST) == datetime(2026, 3, 9)  # Monday


def test_every_bucket_of_a_range_is_listed_in_the_zone() -> None:
    starts = bucket_starts(T - timedelta(hours=24), T, "hour", IST)
    assert len(starts) == 25 and starts[0] == datetime(2026, 3, 9, 17, 0) and starts[-1] == datetime(2026, 3, 10, 17)
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(starts))
    days = bucket_starts(datetime(2026, 3, 1, 18, 30, tzinfo=UTC), datetime(2026, 3, 8, 18, 30, tzinfo=UTC), "day", IST)
    assert days == [datetime(2026, 3, d) for d in range(2, 9)]  # IST midnights: exactly 7 days


def test_a_preset_ends_with_the_current_quarter_hour() -> None:
    since, until = resolve_range("24h", None, None, IST, now=T)
    assert until == datetime(2026, 3, 10, 12, 15, tzinfo=UTC) and until - since == timedelta(hours=24)


def test_a_custom_range_without_offset_is_in_the_zone() -> None:
    since, until = resolve_range("custom", datetime(2026, 3, 1), datetime(2026, 3, 2), IST)
    assert since == datetime(2026, 2, 28, 18, 30, tzinfo=UTC) and until - since == timedelta(days=1)


@pytest.mark.parametrize(
    "args,field",
    [
        (("custom", None, None), "from"),
        (("custom", datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)), "from"),
        (("custom", datetime(2024, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)), "to"),
        (("7d", datetime(2026, 3, 2, tzinfo=UTC), None), "from"),
        (("1y", None, None), "range"),
    ],
)
def test_bad_ranges_name_the_field(args, field) -> None:
    with pytest.raises(ApiError) as refused:
        resolve_range(*args, IST)
    assert refused.value.field == field and refused.value.status == 422


def test_too_many_buckets_are_refused() -> None:
    with pytest.raises(ApiError) as refused:
        resolve_range("custom", datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), IST, "hour")
    assert refused.value.field == "bucket"
