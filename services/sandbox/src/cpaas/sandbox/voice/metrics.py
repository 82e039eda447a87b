"""The voice sandbox's own Prometheus metrics."""

from prometheus_client import Counter

VOICE_CALLS = Counter("cpaas_sandbox_voice_calls_total", "Create-call requests answered, by outcome", ["outcome"])
VOICE_CALLBACKS = Counter(
    "cpaas_sandbox_voice_callbacks_total", "Status callbacks posted, by call status and result", ["status", "result"]
)
