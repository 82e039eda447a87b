"""The admin's "Unmatched provider events" panel reads each connector's /metrics: the
connector kit's counter, served over real HTTP by prometheus_client as a connector serves it."""

import pytest
from prometheus_client import start_http_server

from cpaas.connector_kit.unmatched import UNKNOWN_EVENT_TYPE, UNKNOWN_MESSAGE, unmatched

METRICS_PORT = 18801  # this helper's range; nothing else listens on 18899
DOWN_PORT = 18899


@pytest.fixture
def metrics_url():
    server, thread = start_http_server(METRICS_PORT, addr="127.0.0.1")
    try:
        yield f"http://127.0.0.1:{METRICS_PORT}/metrics"
    finally:
        server.shutdown()
        thread.join(5)


async def test_the_admin_sees_each_connectors_unmatched_provider_events(console, metrics_url) -> None:
    console.app.state.settings.connector_metrics_urls = {
        "wa-connector": metrics_url,
        "voice-connector": f"http://127.0.0.1:{DOWN_PORT}/metrics",
    }
    admin = await console.admin()
    before = (await admin.get("/api/admin/unmatched-events")).json()["connectors"]
    wa_before = {c["reason"]: c["count"] for c in next(c for c in before if c["connector"] == "wa-connector")["counts"]}
    unmatched("wa-connector", UNKNOWN_MESSAGE, carrier_message_id="wamid.someone-elses")
    unmatched("wa-connector", UNKNOWN_EVENT_TYPE, 2)
    after = (await admin.get("/api/admin/unmatched-events")).json()["connectors"]
    by_name = {c["connector"]: c for c in after}
    assert by_name["voice-connector"] == {"connector": "voice-connector", "reachable": False, "counts": []}
    wa = {c["reason"]: c["count"] for c in by_name["wa-connector"]["counts"]}
    assert wa == {
        "unknown_message": wa_before["unknown_message"] + 1,
        "unknown_event_type": wa_before["unknown_event_type"] + 2,
    }


async def test_only_an_admin_reads_them(console) -> None:
    user = await console.user()
    assert (await user.get("/api/admin/unmatched-events")).status_code == 403
