"""The SMS connector's own Prometheus metrics (the SMPP provider's: `providers/smpp/metrics.py`)."""

from prometheus_client import Counter, Gauge

MESSAGES = Counter("cpaas_sms_messages_total", "Messages handled, by result", ["result"])
RECEIPT_OUTCOMES = Counter(
    "cpaas_sms_receipt_outcomes_total", "What became of received receipts (applied, parked, dropped...)", ["outcome"]
)
RECEIPTS_HELD = Gauge(
    "cpaas_sms_receipts_held", "Final receipts for not (yet) known carrier ids, held unacknowledged in memory"
)
