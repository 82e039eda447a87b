"""The reporting service's own Prometheus metrics (the platform's cover consumption)."""

from prometheus_client import Counter, Histogram

EVENTS_APPLIED = Counter(
    "cpaas_reporting_events_total",
    "Events handled by the message log, by kind (submit, status) and outcome (applied, expired, dead_lettered)",
    ["kind", "outcome"],
)
BATCH_SIZE = Histogram(
    "cpaas_reporting_batch_size",
    "Records in one applied batch",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500),
)
BATCH_APPLY_SECONDS = Histogram(
    "cpaas_reporting_batch_apply_seconds",
    "Time to decode one batch and write it to PostgreSQL",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
PARTITIONS = Counter("cpaas_reporting_partitions_total", "Day partition tables created or dropped", ["action"])
