"""The audit log, the account's time zone and its price list in real headless Chromium
against `make run`'s platform (launched.py): the admin reads and filters the Audit log tab
of User Management; a user changes the account's time zone in Settings, sees that change
in their own account's audit entries, and reads the price list on the Billing page."""

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright, expect

from .browser import CHROMIUM, FLAGS, WEB_DIST, Console
from .conftest import Platform
from .test_campaigns_browser import logged_in

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.fixture(scope="module")
async def platform(launched_platform: Platform) -> Platform:
    """`make run`'s platform, launched once for the run (tests/e2e/conftest.py)."""
    return launched_platform


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"the web console is not built ({WEB_DIST}); `make web` builds it")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        await chromium.close()


async def test_the_audit_log_the_time_zone_and_the_price_list_in_the_console(browser, platform) -> None:
    # a tenant of its own, made by the admin over the console's API (the demo account keeps its zone)
    api = await logged_in(
        platform.urls["console"], platform.creds["admin"]["username"], platform.creds["admin"]["password"]
    )
    username = f"audit_{uuid.uuid4().hex[:8]}"
    created = await api.post("/api/admin/users", json={"username": username, "accountName": f"Audit Co {username}"})
    assert created.status_code == 201, created.text
    await api.aclose()
    user = await Console.open(browser, platform.urls["console"])
    admin = await Console.open(browser, platform.urls["console"])
    try:
        await user.login(username, created.json()["password"])
        await user.go("Settings")
        card = user.page.locator(".mantine-Paper-root", has=user.page.get_by_role("heading", name="Time zone"))
        zone = card.get_by_role("textbox", name=re.compile("^Account time zone"))
        await expect(zone).to_have_value("Asia/Kolkata")
        await zone.click()
        await zone.fill("Kiritimati")
        await user.page.get_by_role("option", name="Pacific/Kiritimati", exact=True).click()
        await card.get_by_role("button", name="Save").click()
        await expect(user.page.get_by_text("Time zone set to Pacific/Kiritimati")).to_be_visible()
        own = user.page.get_by_role("table").last
        await expect(own.get_by_text("account.time_zone_changed")).to_be_visible()
        await expect(own.get_by_text("timeZone: Asia/Kolkata → Pacific/Kiritimati")).to_be_visible()
        await user.shot("settings-time-zone-and-audit")

        await user.go("Billing")
        prices = user.page.get_by_role("table", name="Price list")
        for category in ("UIC", "MIC", "SIC", "Auth", "Auth INT"):
            await expect(prices.get_by_role("cell", name=category, exact=True)).to_be_visible()
        await expect(prices.get_by_role("cell", name="Rich card", exact=True)).to_be_visible()
        await user.shot("billing-price-list")

        await admin.login(platform.creds["admin"]["username"], platform.creds["admin"]["password"])
        await admin.go("User Management")
        await admin.page.get_by_role("tab", name="Audit log").click()
        await admin.choose("Action", "account.time_zone_changed")
        entries = admin.page.get_by_role("table")
        await expect(entries.get_by_text("Pacific/Kiritimati")).to_be_visible()
        await expect(entries.get_by_text(username, exact=True).first).to_be_visible()
        await admin.choose("Action", "auth")
        await expect(entries.get_by_text("auth.login_succeeded").first).to_be_visible()
        await admin.shot("admin-audit-log")
    finally:
        await user.close()
        await admin.close()
