"""The "Unmatched provider events" panel's reading of a connector's /metrics: the counter
`cpaas_unmatched_provider_events_total{connector, reason}` (cpaas.connector_kit.unmatched),
which counts provider events answered 200 that matched nothing since the connector started."""

from prometheus_client.parser import text_string_to_metric_families

METRIC = "cpaas_unmatched_provider_events_total"
REASONS = {
    "unknown_message": "a status for a message id this connector never sent",
    "unknown_event_type": "an event or status type this connector does not act on",
}


def unmatched_counts(metrics_text: str) -> dict[str, int]:
    """reason -> count, summed over the connector label (one process's exposition)."""
    counts: dict[str, int] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == METRIC:
                reason = sample.labels.get("reason", "unknown")
                counts[reason] = counts.get(reason, 0) + int(sample.value)
    return counts
