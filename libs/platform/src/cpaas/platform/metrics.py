"""Prometheus metrics: one registry per process, exposed at /metrics."""

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY as _REGISTRY

REGISTRY = _REGISTRY

EVENTS_CONSUMED = Counter(
    "cpaas_events_consumed_total", "Records handled by a subscriber", ["topic", "group", "outcome"]
)
EVENTS_PUBLISHED = Counter("cpaas_events_published_total", "Records published", ["topic"])
DEAD_LETTERS = Counter("cpaas_dead_letters_total", "Records sent to a dead-letter topic", ["topic"])
HANDLER_SECONDS = Histogram("cpaas_handler_seconds", "Time spent in a subscriber's handler", ["topic", "group"])
HTTP_REQUESTS = Counter("cpaas_http_requests_total", "HTTP requests served", ["method", "route", "status"])
HTTP_SECONDS = Histogram("cpaas_http_request_seconds", "HTTP request latency", ["method", "route"])


def render_latest() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
