"""The sandbox's own Prometheus metrics."""

from prometheus_client import Counter, Gauge

SMPP_SUBMITS = Counter("cpaas_sandbox_smpp_submits_total", "submit_sm received by the sandbox SMSC", ["outcome"])
SMPP_RECEIPTS = Counter("cpaas_sandbox_smpp_receipts_sent_total", "Delivery receipts sent (deliver_sm)", ["stat"])
SMPP_RECEIPTS_DROPPED = Counter(
    "cpaas_sandbox_smpp_receipts_dropped_total", "Queued receipts dropped because the queue was full"
)
SMPP_SESSIONS = Gauge("cpaas_sandbox_smpp_sessions", "Bound ESME sessions")
SMPP_RECEIPTS_QUEUED = Gauge("cpaas_sandbox_smpp_receipts_queued", "Receipts waiting for a bound receiver")
SMPP_QUERIES = Counter(
    "cpaas_sandbox_smpp_queries_total",
    "query_sm answered by the sandbox SMSC, by message_state (or unknown)",
    ["state"],
)
