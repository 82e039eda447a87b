"""Prometheus metrics of the WhatsApp Cloud API imitation."""

from prometheus_client import Counter

WA_SENDS = Counter("cpaas_sandbox_wa_sends_total", "Messages POSTed to the WhatsApp imitation, by outcome", ["outcome"])
WA_WEBHOOKS = Counter("cpaas_sandbox_wa_webhooks_total", "Webhooks POSTed by the WhatsApp imitation", ["result"])
WA_TEMPLATES = Counter("cpaas_sandbox_wa_templates_total", "Template reviews, by verdict", ["event"])
