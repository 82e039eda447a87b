"""The builtin insights engine over hand-built Intelligence facts: each kind is raised when
it should be and not when it should not (at the named thresholds), and every number of
every insight's text is one of its facts, written the same way."""

from datetime import UTC, datetime

from cpaas.ai.domain.insights import builtin, cited, insights, numbers_in, uncited
from cpaas.ai.domain.insights.advice import ADVICE, GENERIC, advice
from cpaas.contracts.analytics import (
    ChannelPerformance,
    FailureCause,
    HeatCell,
    HourPerformance,
    Insight,
    Intelligence,
    QuietHours,
    SenderPerformance,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def channel(name: str, total: int, delivered: int, min_volume: int = 100) -> ChannelPerformance:
    failed = total - delivered
    rate = delivered / total if total else None
    return ChannelPerformance(
        channel=name,
        total=total,
        delivered=delivered,
        failed=failed,
        pending=0,
        rate=rate,
        enough_volume=total >= min_volume,
    )


def hours(by_hour: dict[int, dict[str, int]], rate: float = 0.9) -> list[HourPerformance]:
    out = []
    for h in range(24):
        per = by_hour.get(h, {})
        total = sum(per.values())
        delivered = round(total * rate)
        out.append(
            HourPerformance(
                hour=h,
                total=total,
                delivered=delivered,
                failed=total - delivered,
                pending=0,
                rate=delivered / total if total else None,
                by_channel=per,
            )
        )
    return out


def facts(**kw) -> Intelligence:
    base = dict(
        account_id=7,
        time_zone="Asia/Kolkata",
        generated_at=NOW,
        window_days=30,
        min_volume=100,
        total_messages=0,
        channels=[],
        hours_last_7_days=hours({}),
        heatmap=[HeatCell(weekday=d, hour=h, total=0) for d in range(7) for h in range(24)],
        senders=[],
        failure_causes=[],
        quiet_hours=QuietHours(campaign_messages=0, in_quiet_hours=0, share=None),
    )
    base.update(kw)
    return Intelligence(**base)


def busy() -> Intelligence:
    """An account with traffic enough for every kind."""
    chans = [channel("SMS", 1000, 950), channel("WHATSAPP", 400, 320), channel("RCS", 200, 188)]
    by_hour = {h: {"SMS": 20, "WHATSAPP": 5} for h in range(24)}
    by_hour[10] = {"SMS": 200, "WHATSAPP": 10}
    by_hour[11] = {"SMS": 150, "WHATSAPP": 40}
    by_hour[12] = {"SMS": 100, "WHATSAPP": 60}
    heat = [HeatCell(weekday=d, hour=h, total=5) for d in range(7) for h in range(24)]
    heat[1 * 24 + 10] = HeatCell(weekday=1, hour=10, total=300)
    return facts(
        total_messages=1600,
        avg_delivery_rate=1458 / 1600,
        best_channel=chans[0],
        channels=chans,
        hours_last_7_days=hours(by_hour),
        heatmap=heat,
        senders=[
            SenderPerformance(
                sender_id="ACME01", channel="SMS", total=500, delivered=490, failed=10, pending=0, rate=0.98
            ),
            SenderPerformance(
                sender_id="PROMO9", channel="SMS", total=300, delivered=210, failed=90, pending=0, rate=0.7
            ),
            SenderPerformance(sender_id="TINY", channel="SMS", total=10, delivered=1, failed=9, pending=0, rate=0.1),
        ],
        failure_causes=[
            FailureCause(error_code="131026", channel="WHATSAPP", count=80, share=80 / 142),
            FailureCause(error_code="CARRIER_UNDELIVERABLE", channel="SMS", count=50, share=50 / 142),
            FailureCause(error_code="0x00000045", channel="SMS", count=8, share=8 / 142),
            FailureCause(error_code="RATE_LIMITED", channel="SMS", count=4, share=4 / 142),
        ],
        quiet_hours=QuietHours(campaign_messages=600, in_quiet_hours=150, share=0.25),
    )


def kinds(found: list[Insight]) -> list[str]:
    return [i.kind for i in found]


def of(found: list[Insight], kind: str) -> list[Insight]:
    return [i for i in found if i.kind == kind]


def test_numbers_in_reads_grouped_decimal_and_clock_numbers():
    assert numbers_in("1,234 of 92.5% at 09:00, code 131026.") == ["1234", "92.5", "09", "00", "131026"]
    assert numbers_in("no numbers here") == []


def test_uncited_names_the_invented_numbers():
    f = {"rate_pct": 92.5, "messages": 1234, "window": "09:00-12:00"}
    assert uncited("1,234 messages at 92.5% between 09:00-12:00", f) == []
    assert uncited("1234 messages at 92.5%", f) == []
    assert uncited("1,234 messages at 93% on 5 days", f) == ["93", "5"]
    assert uncited("92.50% delivered", f) == ["92.50"]  # not written the way the fact is


def test_every_builtin_insight_cites_only_its_facts():
    for found in (insights(busy()), insights(facts())):
        assert found
        for insight in found:
            assert cited(insight), (insight.text, uncited(insight.text, insight.facts))


def test_advice_has_no_digits_and_unknown_codes_get_the_generic_one():
    for text in [*ADVICE.values(), GENERIC]:
        assert not numbers_in(text), text
    assert advice("131026") != GENERIC and advice("0x00000045") == advice("0X00000045".lower())
    assert advice("SOMETHING_NEW") == GENERIC


def test_a_busy_account_gets_every_kind_warnings_first():
    found = insights(busy())
    assert set(kinds(found)) == {
        "quiet_hours",
        "underperforming_channel",
        "underperforming_sender",
        "failure_cause",
        "best_window",
    }
    severities = [i.severity for i in found]
    assert severities == sorted(severities, key=lambda s: s != "warning")


def test_thin_traffic_gives_the_volume_insight_and_no_comparisons():
    thin = facts(channels=[channel("SMS", 60, 40), channel("RCS", 30, 10)], total_messages=90)
    found = insights(thin)
    assert kinds(found) == ["volume"]
    assert found[0].facts == {"window_messages": 90, "window_days": 30, "min_volume": 100}
    assert "90" in numbers_in(found[0].text) and "100" in numbers_in(found[0].text)
    assert not of(insights(busy()), "volume")
    # exactly at min_volume there is enough
    assert not of(insights(facts(channels=[channel("SMS", 100, 90)])), "volume")


def test_underperforming_channel_by_percentage_points_only_with_enough_volume():
    found = of(insights(busy()), "underperforming_channel")
    assert [i.facts["channel"] for i in found] == ["WHATSAPP"]  # RCS: 94.0 vs 95.0, a gap under 5 points
    f = found[0].facts
    assert f == {
        "channel": "WHATSAPP",
        "channel_rate_pct": 80.0,
        "channel_messages": 400,
        "best_channel": "SMS",
        "best_rate_pct": 95.0,
        "gap_pp": 15.0,
    }
    assert "15.0 percentage points" in found[0].text
    # a low channel without enough volume is not judged
    low = facts(channels=[channel("SMS", 1000, 950), channel("VOICE", 99, 10)])
    assert not of(insights(low), "underperforming_channel")
    # a gap just under the threshold is not one
    edge = facts(channels=[channel("SMS", 1000, 950), channel("RCS", 1000, 901)])
    assert builtin.CHANNEL_GAP_PP == 5.0 and not of(insights(edge), "underperforming_channel")
    at = facts(channels=[channel("SMS", 1000, 950), channel("RCS", 1000, 900)])
    assert of(insights(at), "underperforming_channel")[0].facts["gap_pp"] == 5.0


def test_underperforming_sender_against_the_account_rate():
    found = of(insights(busy()), "underperforming_sender")
    assert [i.facts["sender_id"] for i in found] == ["PROMO9"]  # TINY has too few messages
    f = found[0].facts
    assert f["account_rate_pct"] == 91.1 and f["sender_rate_pct"] == 70.0 and f["gap_pp"] == 21.1
    assert builtin.SENDER_MIN_VOLUME == 50


def test_top_failure_causes_with_advice():
    found = of(insights(busy()), "failure_cause")
    assert [i.facts["error_code"] for i in found] == ["131026", "CARRIER_UNDELIVERABLE", "0x00000045"]
    assert found[0].facts["share_pct"] == 56.3 and found[0].facts["failed_messages"] == 80
    assert advice("131026") in found[0].text
    assert len(found) <= builtin.TOP_FAILURES
    few = facts(failure_causes=[FailureCause(error_code="RATE_LIMITED", channel="SMS", count=4, share=1.0)])
    assert not of(insights(few), "failure_cause")  # under FAILURE_MIN_COUNT


def test_quiet_hours_warns_when_campaign_traffic_falls_inside_them():
    found = of(insights(busy()), "quiet_hours")
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].facts["share_pct"] == 25.0 and found[0].facts["in_quiet_hours"] == 150
    assert "21:00" in found[0].text and "09:00" in found[0].text
    clean = facts(quiet_hours=QuietHours(campaign_messages=500, in_quiet_hours=0, share=0.0))
    assert [i.severity for i in of(insights(clean), "quiet_hours")] == ["info"]
    assert not of(insights(facts()), "quiet_hours")  # no campaign traffic: nothing to say


def test_best_window_per_channel_and_the_busiest_slot():
    found = of(insights(busy()), "best_window")
    by = {i.facts.get("channel", "heatmap"): i.facts for i in found}
    assert by["SMS"]["window"] == "10:00-13:00" and by["SMS"]["window_messages"] == 450
    assert by["SMS"]["channel_messages_7d"] == 21 * 20 + 450
    assert by["WHATSAPP"]["window"] == "10:00-13:00" and by["WHATSAPP"]["window_messages"] == 110
    assert by["heatmap"] == {
        "weekday": "Tuesday",
        "hour": "10:00",
        "slot_messages": 300,
        "window_messages": 167 * 5 + 300,
        "window_days": 30,
    }
    # a channel under min_volume in the last 7 days has no window
    quiet = facts(channels=[channel("SMS", 1000, 950)], hours_last_7_days=hours({9: {"SMS": 99}}))
    assert not [i for i in of(insights(quiet), "best_window") if "channel" in i.facts]


def test_windows_wrap_past_midnight():
    late = facts(channels=[channel("SMS", 1000, 950)], hours_last_7_days=hours({23: {"SMS": 100}, 0: {"SMS": 100}}))
    sms = [i for i in of(insights(late), "best_window") if i.facts.get("channel") == "SMS"]
    assert sms[0].facts["window"] in {"22:00-01:00", "23:00-02:00"}
    assert cited(sms[0])


def test_insights_are_deterministic():
    assert insights(busy()) == insights(busy())
