"""Provider events that match nothing here: a status for a message id this connector never
sent, or an event type it does not know. They are answered 200 (a provider redelivers
anything else for days) and only logged and counted: a rising count is how a mis-set
webhook (another platform's URL, a second environment's) shows itself. The console's
admin "Unmatched provider events" panel reads this counter from each connector's /metrics."""

import logging

from prometheus_client import Counter

log = logging.getLogger(__name__)
METRIC = "cpaas_unmatched_provider_events_total"
UNKNOWN_MESSAGE = "unknown_message"  # a message (or call) id this connector never sent
UNKNOWN_EVENT_TYPE = "unknown_event_type"  # an event or status type this connector does not act on
UNMATCHED = Counter(
    METRIC.removesuffix("_total"),
    "Provider events answered 200 that matched nothing, by connector and reason",
    ["connector", "reason"],
)


def unmatched(connector: str, reason: str, count: int = 1, **context: object) -> None:
    """Count `count` unmatched events of `connector` and log them with `context` (ids, types)."""
    if count <= 0:
        return
    UNMATCHED.labels(connector, reason).inc(count)
    log.warning("unmatched provider event", extra={"connector": connector, "reason": reason, "count": count, **context})
