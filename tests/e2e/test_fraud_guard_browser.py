"""The fraud guard in real headless Chromium against `make run`'s platform, for a tenant the
admin creates through the console's API: a pumping attack on one number range, sent through
the public API, trips the guard on Run Detection Now; sends to that range are refused with
403 FRAUD_HOLD naming the hold while sends elsewhere go through; the user sees the hold and why
on Traffic Anomaly (and on GET /api/v1/fraud-holds); the admin sees it with its evidence and
releases it (audit-logged), and the range can be sent to again."""

import uuid

import pytest
from playwright.async_api import expect

from . import test_console_browser as journeys
from .test_anomaly_browser import send, tenant, until

platform, browser, console = journeys.platform, journeys.browser, journeys.console
__all__ = ["browser", "console", "platform", "tenant"]

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PUMPED = 120  # messages to one number range (the range detector needs 8 and a 30 % share)
SPREAD = 30  # messages to thirty other ranges


async def test_a_pumping_attack_trips_the_fraud_guard_and_an_admin_releases_the_hold(console, platform, tenant):
    key = {"X-API-Key": tenant["apiKey"]}
    spread = uuid.uuid4().int % 10**4
    pumped_range = f"+9198{(spread + 5000) % 10**4:04d}"  # +9198dddd: the number without its last 4 digits
    for i in range(SPREAD):
        await send(platform, tenant, "bulk", f"+9197{(spread + i) % 10**4:04d}{i:04d}", f"S{i}")
    for i in range(PUMPED):
        await send(platform, tenant, "bulk", f"{pumped_range}{i:04d}", f"P{i}")

    async def counted():
        return await platform.gateway.get("/api/v1/spam/alerts", headers=key)

    sender = tenant["senders"]["bulk"]
    await until(
        counted,
        lambda r: r.status_code == 200
        and any(s["senderId"] == sender and s["messages"] >= PUMPED + SPREAD for s in r.json()["senders"]),
        "the ai service counted the traffic",
    )

    found = await platform.gateway.post("/api/v1/anomalies/detect", headers=key)
    assert found.status_code == 200, found.text
    result = found.json()
    assert any(a["type"] == "NUMBER_RANGE_CONCENTRATION" and a["subject"] == pumped_range for a in result["found"])
    assert result["fraudProbability"] >= 0.9, result
    [hold] = [h for h in result["holdsPlaced"] if h["subject"] == pumped_range]
    assert hold["subjectType"] == "PREFIX" and hold["status"] == "ACTIVE"

    # sends to the held range: 403 FRAUD_HOLD naming the hold; elsewhere: accepted
    body = {
        "recipient": f"{pumped_range}9999",
        "channel": "SMS",
        "templateId": tenant["templates"]["bulk"],
        "senderId": sender,
        "variables": ["held"],
    }

    async def refused():
        return await platform.gateway.post("/api/v1/messages/submit", json=body, headers=key)

    held = await until(refused, lambda r: r.status_code == 403, "the gateway sees the hold")
    error = held.json()["error"]
    assert error["code"] == "FRAUD_HOLD" and error["field"] == "recipient"
    assert f"fraud hold #{hold['id']}" in error["message"] and pumped_range in error["message"]
    await send(platform, tenant, "bulk", f"+9196{spread:04d}1234", "elsewhere")  # 202: untouched

    listed = (await platform.gateway.get("/api/v1/fraud-holds", headers=key)).json()
    assert [h["id"] for h in listed["items"]] == [hold["id"]]

    # the user sees the hold and why on Traffic Anomaly
    ui = await console()
    await ui.login(tenant["username"], tenant["password"])
    await ui.go("Traffic Anomaly")
    row = ui.page.get_by_role("table", name="Fraud holds").get_by_role("row").filter(has_text=f"#{hold['id']}")
    await expect(row).to_contain_text(f"{pumped_range}xxxx (number range)")
    await expect(row).to_contain_text("number range concentration")
    await expect(row).to_contain_text(f"submitted {PUMPED}")
    await expect(row).to_contain_text("ACTIVE")
    await ui.shot("traffic-anomaly-fraud-hold")
    await ui.logout()

    # the admin sees it with its evidence and releases it
    await ui.login(platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    await ui.go("User Management")
    await ui.page.get_by_role("tab", name="Fraud holds").click()
    admin_row = ui.page.get_by_role("table", name="Fraud holds").get_by_role("row").filter(has_text=f"#{hold['id']}")
    await expect(admin_row).to_contain_text(f"{pumped_range}xxxx")
    await expect(admin_row).to_contain_text(f"submitted {PUMPED}")
    await admin_row.get_by_role("button", name="Release").click()
    await ui.page.get_by_label("Note").fill("customer confirmed the range")
    await ui.page.get_by_role("button", name="Release hold").click()
    await expect(ui.page.get_by_text(f"Hold #{hold['id']} released")).to_be_visible()
    await expect(admin_row).to_have_count(0)  # the ACTIVE filter no longer lists it
    await ui.shot("admin-fraud-hold-released")

    accepted = await until(refused, lambda r: r.status_code == 202, "the release reaches the gateway")
    assert accepted.json()["messageId"]
    after = (await platform.gateway.get("/api/v1/fraud-holds", headers=key)).json()["items"]
    assert [(h["status"], h["releasedBy"]) for h in after] == [("RELEASED", platform.creds["admin"]["username"])]
