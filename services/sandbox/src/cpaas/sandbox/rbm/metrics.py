"""The RBM imitation's own Prometheus metrics."""

from prometheus_client import Counter, Gauge

RBM_MESSAGES = Counter(
    "cpaas_sandbox_rbm_agent_messages_total", "Agent messages received by the sandbox RBM API", ["result"]
)
RBM_EVENTS = Counter(
    "cpaas_sandbox_rbm_events_total",
    "Events posted to the partner webhook, by kind and fate (acknowledged, expired, dropped_over_cap)",
    ["kind", "result"],
)
RBM_EVENTS_WAITING = Gauge("cpaas_sandbox_rbm_events_waiting", "Events waiting for a redelivery")
