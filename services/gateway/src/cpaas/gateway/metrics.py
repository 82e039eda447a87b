from prometheus_client import Counter

SUBMITS = Counter("cpaas_gateway_submits_total", "Submit requests by channel and outcome", ["channel", "outcome"])
