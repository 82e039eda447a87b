"""The WhatsApp connector's own Prometheus metrics."""

from prometheus_client import Counter, Histogram

MESSAGES = Counter("cpaas_wa_messages_total", "Submit events handled, by result", ["result"])
SEND_SECONDS = Histogram(
    "cpaas_wa_send_seconds",
    "Time of one provider send call",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOKS = Counter("cpaas_wa_webhooks_total", "Provider webhooks received, by result", ["result"])
WEBHOOK_STATUSES = Counter(
    "cpaas_wa_webhook_statuses_total",
    "Provider message statuses, by provider status and outcome",
    ["status", "outcome"],
)
TEMPLATES = Counter("cpaas_wa_templates_total", "Template registrations and verdicts, by result", ["result"])
