"""A connector's counters as its /metrics endpoint shows them (the connector may run in
another process than the test)."""

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cpaas.connector_kit.unmatched import METRIC


async def unmatched_count(base_url: str, connector: str, reason: str) -> float:
    """cpaas_unmatched_provider_events_total{connector, reason} of the connector at `base_url`."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        text = (await http.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == METRIC and sample.labels == {"connector": connector, "reason": reason}:
                return sample.value
    return 0.0
