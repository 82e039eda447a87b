"""The webhooks service's own Prometheus metrics (the platform's cover consumption and HTTP)."""

from prometheus_client import Counter, Gauge, Histogram

STATUS_EVENTS = Counter(
    "cpaas_webhooks_status_events_total",
    "Status events seen, by outcome (queued, duplicate, no_webhook, not_notified, fallback_follows)",
    ["outcome"],
)
DELIVERIES = Counter(
    "cpaas_webhooks_deliveries_total",
    "Receipts finished, by outcome (delivered, gave_up, refused)",
    ["outcome"],
)
ATTEMPTS = Counter(
    "cpaas_webhooks_attempts_total",
    "POST attempts, by outcome (ok, http_error, timeout, network_error, refused, unresolved, no_secret)",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "cpaas_webhooks_attempt_seconds",
    "Latency of one POST to a customer, connect to last byte",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge("cpaas_webhooks_in_flight", "Receipts claimed by this process and not yet recorded")
_DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
CLAIM_SECONDS = Histogram("cpaas_webhooks_claim_seconds", "Time of one claim of due receipts", buckets=_DB_BUCKETS)
CLAIMED = Histogram(
    "cpaas_webhooks_claimed", "Receipts claimed per round", buckets=(0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
)
RECORD_SECONDS = Histogram(
    "cpaas_webhooks_record_seconds", "Time of one write of finished attempts", buckets=_DB_BUCKETS
)
