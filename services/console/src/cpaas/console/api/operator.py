"""The admin's "Unmatched provider events" panel: per connector, how many provider events
(webhooks, SMPP receipts) were answered 200 but matched no message of ours or no event
type we know, read from each connector's /metrics (`connector_metrics_urls`). A rising
count is how a mis-set webhook shows itself; the connector's log has the ids."""

import asyncio

import httpx
from fastapi import APIRouter

from cpaas.console.api.deps import Admin, ApiModel, Apis, Settings
from cpaas.console.domain.unmatched import REASONS, unmatched_counts

SCRAPE_TIMEOUT_SECONDS = 2.0


class UnmatchedCount(ApiModel):
    reason: str
    meaning: str
    count: int


class ConnectorUnmatched(ApiModel):
    connector: str
    reachable: bool  # False: its /metrics did not answer (the counts are then unknown)
    counts: list[UnmatchedCount]


class UnmatchedEvents(ApiModel):
    connectors: list[ConnectorUnmatched]


async def _read(http: httpx.AsyncClient, connector: str, url: str) -> ConnectorUnmatched:
    try:
        response = await http.get(url, timeout=SCRAPE_TIMEOUT_SECONDS)
        response.raise_for_status()
        counts = unmatched_counts(response.text)
    except (httpx.HTTPError, ValueError):  # not answering, or not a Prometheus exposition
        return ConnectorUnmatched(connector=connector, reachable=False, counts=[])
    return ConnectorUnmatched(
        connector=connector,
        reachable=True,
        counts=[UnmatchedCount(reason=r, meaning=m, count=counts.get(r, 0)) for r, m in REASONS.items()],
    )


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/admin", tags=["admin"])

    @router.get("/unmatched-events", response_model=UnmatchedEvents)
    async def unmatched_events(settings: Settings, apis: Apis, admin: Admin) -> UnmatchedEvents:
        """Since each connector started (a restart resets its counters; Prometheus keeps history)."""
        reads = [_read(apis.http, name, url) for name, url in sorted(settings.connector_metrics_urls.items())]
        return UnmatchedEvents(connectors=list(await asyncio.gather(*reads)))

    return router
