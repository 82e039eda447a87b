from prometheus_client import Counter

FALLBACKS = Counter(
    "cpaas_router_fallbacks_total", "Fallback decisions by route (e.g. RCS->WHATSAPP) or exhausted", ["route"]
)
