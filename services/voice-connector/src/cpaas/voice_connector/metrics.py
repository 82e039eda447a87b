"""The voice connector's own Prometheus metrics."""

from prometheus_client import Counter, Histogram

CALLS = Counter("cpaas_voice_calls_total", "Message attempts handled, by result", ["result"])
CALLBACKS = Counter("cpaas_voice_callbacks_total", "Status callbacks received, by outcome", ["outcome"])
CREATE_SECONDS = Histogram(
    "cpaas_voice_create_call_seconds",
    "Time of one create-call request to the provider",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
