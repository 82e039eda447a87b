"""Each detector over hand-built windows: it fires on its condition, names the subject and
the evidence, and stays quiet on the look-alike that is normal."""

from datetime import UTC, datetime, timedelta

import pytest

from cpaas.ai.domain.anomaly import detectors as d
from cpaas.ai.domain.anomaly.facts import content_hash, is_otp, prefix_of
from cpaas.ai.domain.anomaly.windows import AccountWindow, Counts, History, TrafficRow, build_windows

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def rows(
    n: int,
    *,
    minutes_ago: int = 1,
    sender: str = "BRAND",
    country: str = "IN",
    prefix: str | None = None,
    delivered: int = 0,
    failed: int = 0,
    blacklisted: int = 0,
    account: int = 1,
) -> list[TrafficRow]:
    """`n` submits spread one per prefix (or all on `prefix`) in the minute `minutes_ago` back."""
    minute = NOW - timedelta(minutes=minutes_ago)
    out = []
    for i in range(n):
        p = prefix or f"+9198{i:06d}"
        out.append(TrafficRow(minute, account, "SMS", sender, country, p, 8, 1, 0, 0, 0, 0))
    if delivered or failed:
        out.append(
            TrafficRow(minute, account, "SMS", sender, country, "+91980000", 8, 0, 0, delivered, failed, blacklisted)
        )
    return out


def established(**over) -> History:
    h = History(
        days=14,
        hourly=[600] * 14,
        weekly=[600, 600],
        total=100_000,
        countries={"IN"},
        sender_hourly={"BRAND": [600] * 14},
        sender_total={"BRAND": 100_000},
        failure=Counts(submitted=10_000, delivered=9_700, failed=300),
    )
    for k, v in over.items():
        setattr(h, k, v)
    return h


def window(traffic: list[TrafficRow], history: History | None = None, otp=(), content=()) -> AccountWindow:
    return build_windows(NOW, traffic, list(otp), list(content), {1: history or established()})[1]


def types(findings) -> set[str]:
    return {f.alert_type for f in findings}


def test_otp_repeated_to_one_number_is_a_flood_and_a_few_are_not():
    w = window(rows(3), otp=[(1, "+919812300077", 7), (1, "+919812355555", 2)])
    found = d.otp_flooding(w)
    assert [(f.subject_type, f.subject, f.evidence["otpMessages"]) for f in found] == [("NUMBER", "+919812300077", 7)]
    assert 0 < found[0].severity <= 100 and found[0].window_end == NOW


def test_otp_to_a_run_of_sequential_numbers_is_a_flood():
    run = [(1, f"+91981230{t:04d}", 1) for t in (100, 101, 102, 104, 105, 107)]
    scattered = [(1, f"+91981230{t:04d}", 1) for t in (10, 500, 900, 3000, 7000)]
    found = d.otp_flooding(window([], otp=run + scattered))
    assert [(f.subject, f.evidence["sequentialNumbers"]) for f in found] == [("+91981230", 6)]
    assert d.otp_flooding(window([], otp=scattered)) == []


def test_velocity_against_the_hours_own_baseline():
    # 600 an hour is 10 a minute: a busy minute of 24 is normal, 80 is a spike
    busy = window([r for m in range(1, 6) for r in rows(24, minutes_ago=m)])
    assert d.velocity_spikes(busy) == []
    spike = d.velocity_spikes(window([r for m in range(1, 6) for r in rows(80, minutes_ago=m)]))
    assert [(f.subject_type, f.evidence["submitted"]) for f in spike] == [("ACCOUNT", 80)]
    assert spike[0].evidence["baseline"] == 10.0


def test_velocity_of_a_quiet_hour_uses_that_hours_baseline():
    quiet = established(hourly=[12] * 14, weekly=[12, 12], sender_hourly={"BRAND": [12] * 14})
    assert types(d.velocity_spikes(window([r for m in range(1, 6) for r in rows(20, minutes_ago=m)], quiet))) == {
        "VELOCITY_SPIKE"
    }


def test_failure_spike_overall_and_per_sender_but_not_the_usual_rate():
    w = window(rows(0, delivered=10, failed=30) + rows(0, sender="OTHER", delivered=50, failed=0))
    found = d.failure_spikes(w)
    assert {(f.subject_type, f.subject) for f in found} == {("SENDER", "BRAND")}
    high = window(rows(0, delivered=5, failed=30))
    assert {(f.subject_type, f.evidence["failureRate"]) for f in d.failure_spikes(high)} == {
        ("ACCOUNT", 0.857),
        ("SENDER", 0.857),
    }
    usual = established(failure=Counts(submitted=1000, delivered=200, failed=800))
    assert [f.subject_type for f in d.failure_spikes(window(rows(0, delivered=5, failed=30), usual))] == ["SENDER"]


def test_a_new_country_for_an_established_account_and_not_for_a_new_one():
    traffic = rows(20) + rows(6, country="NG", prefix="+234803123")
    assert [
        (f.subject, f.evidence["submitted"])
        for f in d.unusual_destinations(window(traffic))
        if f.alert_type == "NEW_DESTINATION"
    ] == [("NG", 6)]
    newcomer = History(days=0.1, total=10)
    assert "NEW_DESTINATION" not in types(d.unusual_destinations(window(traffic, newcomer)))


def test_traffic_concentrated_on_one_range_is_pumping_unless_it_always_was():
    traffic = rows(20) + rows(40, prefix="+91981234")
    found = [f for f in d.unusual_destinations(window(traffic)) if f.alert_type == "NUMBER_RANGE_CONCENTRATION"]
    assert [(f.subject, f.evidence["submitted"]) for f in found] == [("+91981234", 40)]
    usual = established(prefixes={"+91981234": 30_000})
    assert "NUMBER_RANGE_CONCENTRATION" not in types(d.unusual_destinations(window(traffic, usual)))


def test_premium_rate_numbers_are_flagged_and_mobiles_are_not():
    found = d.unusual_destinations(window(rows(3, country="GB", prefix="+44909876") + rows(3, prefix="+91981234")))
    premium = [f for f in found if f.alert_type == "PREMIUM_RATE"]
    assert [(f.subject, f.evidence["submitted"], f.evidence["ranges"]) for f in premium] == [
        ("GB PREMIUM_RATE", 3, ["+44909876"])
    ]
    one = d.unusual_destinations(window(rows(1, country="GB", prefix="+44909876")))
    assert "PREMIUM_RATE" not in types(one)


def test_spam_patterns_per_sender():
    failing = rows(0, sender="BADSND", delivered=10, failed=30, blacklisted=6)
    found = d.spam_patterns(window(failing))
    assert {(f.alert_type, f.subject) for f in found} == {
        ("SPAM_FAILURE_RATE", "BADSND"),
        ("SPAM_BLACKLIST_HITS", "BADSND"),
    }
    assert all(f.kind == "SPAM" for f in found)
    new_sender = window(rows(160, sender="NEWONE"))
    assert ("SPAM_NEW_SENDER", "NEWONE") in {(f.alert_type, f.subject) for f in d.spam_patterns(new_sender)}
    first_minute = window(rows(d.NEW_SENDER_VOLUME, sender="NEWONE") + rows(200))
    assert "SPAM_NEW_SENDER" in types(d.spam_patterns(first_minute))  # a busy account does not hide it
    a_test_or_two = window(rows(d.NEW_SENDER_VOLUME - 1, sender="NEWONE"))
    assert "SPAM_NEW_SENDER" not in types(d.spam_patterns(a_test_or_two))
    known = window(rows(160, sender="BRAND"))
    assert "SPAM_NEW_SENDER" not in types(d.spam_patterns(known))
    same = window([], content=[(1, "BRAND", "abc", 8, 200), (1, "BRAND", "def", 8, 20)])
    assert [(f.subject, f.evidence["messages"]) for f in d.spam_patterns(same)] == [("BRAND:abc", 200)]


def test_a_sender_at_volume_with_high_risk_content_is_spam_and_below_the_volume_or_risk_is_not():
    w = window(rows(25, sender="PROMO"))  # template 8, 25 submits in the last hour
    assert "SPAM_HIGH_RISK_CONTENT" not in types(d.spam_patterns(w))  # template 8 not rated HIGH
    w.high_risk_templates = {8: 84}
    [found] = [f for f in d.spam_patterns(w) if f.alert_type == "SPAM_HIGH_RISK_CONTENT"]
    assert (found.subject_type, found.subject, found.kind) == ("SENDER", "PROMO", "SPAM")
    assert found.evidence == {"messages": 25, "templates": [8], "riskScore": 84, "minutes": 60}
    assert found.severity >= 62
    few = window(rows(d.SPAM_HIGH_RISK_MIN - 1, sender="PROMO"))
    few.high_risk_templates = {8: 84}
    assert "SPAM_HIGH_RISK_CONTENT" not in types(d.spam_patterns(few))


def test_a_spike_in_its_first_minute_is_seen_even_when_nine_calm_minutes_dilute_the_short_window():
    calm = [r for m in range(2, 11) for r in rows(0, minutes_ago=m, delivered=60, failed=1)]
    failing = window([*calm, *rows(0, minutes_ago=1, delivered=2, failed=9)])
    [spike] = [f for f in d.failure_spikes(failing) if f.subject_type == "ACCOUNT"]
    assert spike.evidence["minutes"] == 1 and spike.evidence["failed"] == 9
    quiet = window([*calm, *rows(0, minutes_ago=1, delivered=10, failed=1)])
    assert d.failure_spikes(quiet) == []

    spread = [r for m in range(2, 11) for r in rows(40, minutes_ago=m)]  # 360 submits over 40 ranges
    pumped = window([*spread, *rows(12, minutes_ago=1, prefix="+91987650"), *rows(10, minutes_ago=1)])
    [pumping] = [f for f in d.unusual_destinations(pumped) if f.alert_type == "NUMBER_RANGE_CONCENTRATION"]
    assert pumping.subject == "+91987650"
    assert "NUMBER_RANGE_CONCENTRATION" not in types(
        d.unusual_destinations(window([*spread, *rows(10, minutes_ago=1)]))
    )


def test_normal_traffic_raises_nothing():
    traffic = [r for m in range(1, 61) for r in rows(8, minutes_ago=m)] + rows(0, delivered=400, failed=12)
    assert d.detect(window(traffic, otp=[(1, "+919812300077", 1)])) == []


@pytest.mark.parametrize(
    ("name", "variables", "otp"),
    [
        ("login_otp", {}, True),
        ("verify_phone", {}, True),
        ("order_update", {"code": "1"}, True),
        ("order_update", {"order": "1"}, False),
        ("festive_offer", {}, False),
    ],
)
def test_otp_messages_are_known_by_template_name_or_variable(name, variables, otp):
    assert is_otp(name, variables) is otp


def test_prefix_and_content_identity():
    assert prefix_of("+919876543210") == "+91987654"
    assert content_hash(8, {"a": "1", "b": "2"}) == content_hash(8, {"b": "2", "a": "1"})
    assert content_hash(8, {"a": "1"}) != content_hash(9, {"a": "1"})
    assert d.longest_run([5, 1, 2, 3, 9, 10], 1) == [1, 2, 3]
