"""The billing service's own Prometheus metrics (the platform's cover consumption and HTTP)."""

from prometheus_client import Counter, Histogram

CHARGES = Counter(
    "cpaas_billing_charges_total",
    "Chargeable status events by channel and outcome: applied (a new ledger entry), republished (a redelivered"
    " event whose entry existed), duplicate (the attempt was charged by another event), dead_lettered",
    ["channel", "outcome"],
)
CHARGED_AMOUNT = Counter(
    "cpaas_billing_charged_amount_minor_total", "Amount charged, in minor units, by price code", ["price_code"]
)
REFUNDS = Counter(
    "cpaas_billing_refunds_total",
    "Refunds of provisional charges (WhatsApp, RCS, voice attempts that ended FAILED / UNDELIVERED) by channel"
    " and outcome: applied (a new REFUND entry), republished (a redelivered event whose refund existed)",
    ["channel", "outcome"],
)
REFUNDED_AMOUNT = Counter(
    "cpaas_billing_refunded_amount_minor_total", "Amount refunded, in minor units, by price code", ["price_code"]
)
ADJUSTMENTS = Counter("cpaas_billing_adjustments_total", "Admin credits and debits applied", ["kind"])
TEMPLATES_UNKNOWN = Counter(
    "cpaas_billing_templates_unknown_total", "Charges whose template was not found (priced by channel default)"
)
BATCH_SIZE = Histogram(
    "cpaas_billing_batch_size",
    "Status events in one charged batch",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000),
)
BATCH_SECONDS = Histogram(
    "cpaas_billing_batch_seconds",
    "Time to decode, price, charge (one transaction) and publish one batch",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
