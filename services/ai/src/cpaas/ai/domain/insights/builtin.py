"""The ai service's own insights engine (deterministic, no I/O): recommendations from an
account's computed `Intelligence`, each citing the numbers it is based on (its `facts`;
every number of its text is one of them, see `cite`).

- volume: the window holds fewer than `min_volume` messages -> only this (and quiet hours):
  nothing else can be concluded from so little traffic.
- best_window: per channel with `min_volume` messages in the last 7 days, the
  `WINDOW_HOURS` consecutive hours (account time zone) that carried most of its traffic,
  with the delivery rate of those hours; and the heatmap's busiest weekday and hour.
- underperforming_channel: a channel with enough volume whose rate trails the best
  channel's by at least `CHANNEL_GAP_PP` percentage points.
- underperforming_sender: a sender ID with `SENDER_MIN_VOLUME` messages whose rate trails
  the account's by at least `SENDER_GAP_PP` points.
- failure_cause: the `TOP_FAILURES` largest error codes with `FAILURE_MIN_COUNT` failures,
  with what to do (`advice`).
- quiet_hours: campaign messages created inside TRAI's promotional quiet hours
  (21:00-09:00 IST): a warning; none of them inside: an info.
"""

from cpaas.ai.domain.insights.advice import advice
from cpaas.ai.domain.insights.cite import fmt, pct
from cpaas.contracts.analytics import ChannelPerformance, HourPerformance, Insight, Intelligence

WINDOW_HOURS = 3  # a sending window's length (hours)
CHANNEL_GAP_PP = 5.0  # percentage points below the best channel that make a channel underperform
SENDER_GAP_PP = 5.0  # percentage points below the account's rate that make a sender underperform
SENDER_MIN_VOLUME = 50  # messages a sender needs in the window to be judged
TOP_FAILURES = 3  # failure causes reported at most
FAILURE_MIN_COUNT = 5  # failed messages an error code needs to be reported
MAX_SENDERS = 3  # underperforming senders reported at most (the worst first)
QUIET_FROM, QUIET_TO = "21:00", "09:00"  # TRAI promotional quiet hours, IST (docs/DOMAIN-NOTES.md)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clock(hour: int) -> str:
    return f"{hour % 24:02d}:00"


def _window_total(hours: list[HourPerformance], start: int, channel: str) -> int:
    return sum(hours[(start + i) % 24].by_channel.get(channel, 0) for i in range(WINDOW_HOURS))


def best_windows(facts: Intelligence) -> list[Insight]:
    hours = sorted(facts.hours_last_7_days, key=lambda h: h.hour)
    if len(hours) != 24:
        return []
    channels = sorted({c for h in hours for c in h.by_channel})
    out = []
    for channel in channels:
        volume = sum(h.by_channel.get(channel, 0) for h in hours)
        if volume < facts.min_volume:
            continue
        start = max(range(24), key=lambda s: (_window_total(hours, s, channel), -s))  # earliest of ties
        in_window = _window_total(hours, start, channel)
        span = [hours[(start + i) % 24] for i in range(WINDOW_HOURS)]
        total, delivered = sum(h.total for h in span), sum(h.delivered for h in span)
        window = f"{_clock(start)}-{_clock(start + WINDOW_HOURS)}"
        f = {
            "channel": channel,
            "window": window,
            "window_messages": in_window,
            "channel_messages_7d": volume,
            "window_share_pct": pct(in_window / volume),
            "window_rate_pct": pct(delivered / total if total else None),
            "period_days": 7,
        }
        text = (
            f"{channel} carried most of its traffic of the last 7 days between {window}: {fmt(in_window)} of"
            f" {fmt(volume)} messages ({fmt(f['window_share_pct'])}%), and messages of those hours (all channels)"
            f" were delivered at {fmt(f['window_rate_pct'])}%. Schedule {channel} campaigns in this window."
        )
        out.append(Insight(kind="best_window", severity="info", title=f"Best {channel} window", text=text, facts=f))
    return out + _busiest_slot(facts)


def _busiest_slot(facts: Intelligence) -> list[Insight]:
    total = sum(c.total for c in facts.heatmap)
    if total < facts.min_volume:
        return []
    cell = max(facts.heatmap, key=lambda c: (c.total, -c.weekday, -c.hour))
    f = {
        "weekday": WEEKDAYS[cell.weekday],
        "hour": _clock(cell.hour),
        "slot_messages": cell.total,
        "window_messages": total,
        "window_days": facts.window_days,
    }
    text = (
        f"The busiest hour of the last {fmt(facts.window_days)} days is {f['weekday']} at {f['hour']}"
        f" ({fmt(cell.total)} of {fmt(total)} messages): time-critical campaigns reach your audience when"
        " it is already engaging."
    )
    return [Insight(kind="best_window", severity="info", title="Busiest day and hour", text=text, facts=f)]


def _best(facts: Intelligence) -> ChannelPerformance | None:
    ranked = [c for c in facts.channels if c.enough_volume and c.rate is not None]
    return facts.best_channel or max(ranked, key=lambda c: (c.rate, c.total), default=None)


def underperforming_channels(facts: Intelligence) -> list[Insight]:
    best = _best(facts)
    if best is None or best.rate is None:
        return []
    out = []
    best_pct = pct(best.rate)
    for c in facts.channels:
        if c.channel == best.channel or not c.enough_volume or c.rate is None:
            continue
        gap = round(best_pct - pct(c.rate), 1)
        if gap < CHANNEL_GAP_PP:
            continue
        f = {
            "channel": c.channel,
            "channel_rate_pct": pct(c.rate),
            "channel_messages": c.total,
            "best_channel": best.channel,
            "best_rate_pct": best_pct,
            "gap_pp": gap,
        }
        text = (
            f"{c.channel} delivered {fmt(f['channel_rate_pct'])}% of {fmt(c.total)} messages, {fmt(gap)} percentage"
            f" points below {best.channel} ({fmt(best_pct)}%). Check its route and failure causes, or move"
            f" traffic that can go by {best.channel} there."
        )
        out.append(
            Insight(
                kind="underperforming_channel",
                severity="warning",
                title=f"{c.channel} underperforms",
                text=text,
                facts=f,
            )
        )
    return out


def _window_counts(facts: Intelligence) -> tuple[int, int]:
    return sum(c.total for c in facts.channels), sum(c.delivered for c in facts.channels)


def underperforming_senders(facts: Intelligence) -> list[Insight]:
    total, delivered = _window_counts(facts)
    if total < facts.min_volume:
        return []
    account_pct = pct(delivered / total)
    judged = [(round(account_pct - pct(s.rate), 1), s) for s in facts.senders if s.total >= SENDER_MIN_VOLUME]
    worst = sorted((g, s) for g, s in judged if g >= SENDER_GAP_PP)[::-1][:MAX_SENDERS]
    out = []
    for gap, s in sorted(worst, key=lambda gs: (-gs[0], gs[1].sender_id)):
        f = {
            "sender_id": s.sender_id,
            "channel": s.channel,
            "sender_rate_pct": pct(s.rate),
            "sender_messages": s.total,
            "account_rate_pct": account_pct,
            "gap_pp": gap,
        }
        text = (
            f"Sender {s.sender_id} ({s.channel}) delivered {fmt(f['sender_rate_pct'])}% of {fmt(s.total)} messages,"
            f" {fmt(gap)} percentage points below the account's {fmt(account_pct)}%. Check its registration and"
            " the templates it sends."
        )
        title = f"Sender {s.sender_id} underperforms"
        out.append(Insight(kind="underperforming_sender", severity="warning", title=title, text=text, facts=f))
    return out


def failure_causes(facts: Intelligence) -> list[Insight]:
    ranked = sorted(facts.failure_causes, key=lambda c: (-c.count, c.error_code, c.channel))
    out = []
    for cause in [c for c in ranked if c.count >= FAILURE_MIN_COUNT][:TOP_FAILURES]:
        f = {
            "error_code": cause.error_code,
            "channel": cause.channel,
            "failed_messages": cause.count,
            "share_pct": pct(cause.share),
        }
        text = (
            f"{cause.error_code} on {cause.channel}: {fmt(cause.count)} failed messages ({fmt(f['share_pct'])}% of"
            f" failures). {advice(cause.error_code)}"
        )
        title = f"Failure cause {cause.error_code}"
        out.append(Insight(kind="failure_cause", severity="warning", title=title, text=text, facts=f))
    return out


def quiet_hours(facts: Intelligence) -> list[Insight]:
    q = facts.quiet_hours
    if q.campaign_messages == 0:
        return []
    f: dict[str, float | int | str] = {
        "campaign_messages": q.campaign_messages,
        "in_quiet_hours": q.in_quiet_hours,
        "quiet_from": QUIET_FROM,
        "quiet_to": QUIET_TO,
    }
    if q.in_quiet_hours == 0:
        text = (
            f"None of the {fmt(q.campaign_messages)} campaign messages was created inside TRAI's promotional quiet"
            f" hours ({QUIET_FROM}-{QUIET_TO} IST)."
        )
        return [Insight(kind="quiet_hours", severity="info", title="Campaign timing", text=text, facts=f)]
    f["share_pct"] = pct(q.share if q.share is not None else q.in_quiet_hours / q.campaign_messages)
    text = (
        f"{fmt(q.in_quiet_hours)} of {fmt(q.campaign_messages)} campaign messages ({fmt(f['share_pct'])}%) were"
        f" created between {QUIET_FROM} and {QUIET_TO} IST, TRAI's quiet hours for promotional traffic: promotional"
        f" campaigns pause then. Schedule campaigns to start after {QUIET_TO} and finish before {QUIET_FROM} IST."
    )
    return [Insight(kind="quiet_hours", severity="warning", title="Campaigns in quiet hours", text=text, facts=f)]


def thin_volume(facts: Intelligence) -> list[Insight]:
    total, _ = _window_counts(facts)
    if total >= facts.min_volume:
        return []
    f = {"window_messages": total, "window_days": facts.window_days, "min_volume": facts.min_volume}
    text = (
        f"Only {fmt(total)} messages in the last {fmt(facts.window_days)} days, fewer than the {fmt(facts.min_volume)}"
        " needed to compare channels, senders and hours: send more traffic before drawing conclusions."
    )
    return [Insight(kind="volume", severity="info", title="Not enough traffic yet", text=text, facts=f)]


def insights(facts: Intelligence) -> list[Insight]:
    """The builtin recommendations for `facts`, warnings first (each kind's own order kept)."""
    thin = thin_volume(facts)
    if thin:
        found = thin + quiet_hours(facts) + failure_causes(facts)
    else:
        found = (
            quiet_hours(facts)
            + underperforming_channels(facts)
            + underperforming_senders(facts)
            + failure_causes(facts)
            + best_windows(facts)
        )
    return sorted(found, key=lambda i: i.severity != "warning")
