"""The SMPP provider's Prometheus metrics."""

from prometheus_client import Counter, Gauge, Histogram

SUBMITS = Counter("cpaas_sms_submits_total", "submit_sm sent, by outcome", ["outcome"])
RECEIPTS = Counter("cpaas_sms_receipts_total", "Delivery receipts received, by stat", ["stat"])
WINDOW_IN_USE = Gauge("cpaas_sms_smpp_window_in_use", "submit_sm awaiting their response", ["bind"])
BINDS_UP = Gauge("cpaas_sms_smpp_binds_up", "SMPP sessions currently bound")
RECONNECTS = Counter("cpaas_sms_smpp_reconnects_total", "Binds lost or refused, each followed by a new bind", ["bind"])
SUBMIT_SECONDS = Histogram(
    "cpaas_sms_submit_seconds",
    "Time from submit_sm to its response",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUERIES = Counter("cpaas_sms_query_sm_total", "query_sm asked at receipt deadlines, by answer", ["answer"])
