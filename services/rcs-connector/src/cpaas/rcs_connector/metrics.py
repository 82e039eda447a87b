"""The RCS connector's own Prometheus metrics."""

from prometheus_client import Counter, Histogram

MESSAGES = Counter("cpaas_rcs_messages_total", "Message attempts handled, by result", ["result"])
PROVIDER_CALLS = Counter(
    "cpaas_rcs_provider_calls_total", "Calls to the RCS provider, by answer", ["operation", "answer"]
)
PROVIDER_SECONDS = Histogram(
    "cpaas_rcs_provider_seconds",
    "Time of one call to the RCS provider",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOK_EVENTS = Counter(
    "cpaas_rcs_webhook_events_total", "Provider webhook events, by kind and fate", ["kind", "result"]
)
TEMPLATES = Counter("cpaas_rcs_template_registrations_total", "Template registrations, by result", ["result"])
