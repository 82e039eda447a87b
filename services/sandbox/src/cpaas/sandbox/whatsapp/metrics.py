"""Prometheus metrics of the WhatsApp Cloud API imitation."""

from prometheus_client import Counter, Gauge

WA_SENDS = Counter("cpaas_sandbox_wa_sends_total", "Messages POSTed to the WhatsApp imitation, by outcome", ["outcome"])
WA_WEBHOOKS = Counter(
    "cpaas_sandbox_wa_webhooks_total",
    "Webhooks of the WhatsApp imitation, by fate (delivered, expired, dropped_over_cap)",
    ["result"],
)
WA_WEBHOOK_TRIES = Counter(
    "cpaas_sandbox_wa_webhook_tries_total", "Webhook POSTs tried, by answer (HTTP status or unreachable)", ["answer"]
)
WA_WEBHOOKS_WAITING = Gauge("cpaas_sandbox_wa_webhooks_waiting", "Webhooks waiting for a redelivery")
WA_TEMPLATES = Counter("cpaas_sandbox_wa_templates_total", "Template reviews, by verdict", ["event"])
WA_REGISTRATIONS = Counter(
    "cpaas_sandbox_wa_registrations_total", "Phone-number registrations (POST /{phone_number_id}/register)"
)
