"""The Bulk Campaign journey in real headless Chromium against `make run`'s platform (the
launcher, every service its own process: launched.py), for a tenant the admin creates
over the console's API: the user uploads a CSV with three bad lines, sees their line
numbers, watches the campaign reach COMPLETED (its messages delivered by the sandbox
SMSC over SMPP), and finds the messages in Reports under the campaign's name.
Screens are saved to tests/e2e/screenshots/."""

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from .browser import CHROMIUM, FLAGS, STATUS_TIMEOUT_MS, WEB_DIST, Console
from .conftest import Platform

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

BALANCE_MINOR = 50_000  # 500.00 INR for the new tenant


@pytest.fixture(scope="module")
async def platform(launched_platform: Platform) -> Platform:
    """`make run`'s platform, launched once for the run (tests/e2e/conftest.py)."""
    return launched_platform


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"the web console is not built ({WEB_DIST}); `make web` builds it")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium package")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        await chromium.close()


async def logged_in(console_url: str, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=console_url, timeout=15)
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
    return client


async def new_tenant(platform: Platform) -> dict:
    """An account and its user made by the admin over the console's API, with an approved
    sender ID, an approved SMS template and a balance, as a new customer would have them."""
    console_url = platform.urls["console"]
    admin = await logged_in(console_url, platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    tag = uuid.uuid4().hex[:6]
    username = f"bulk_{tag}"
    created = await admin.post("/api/admin/users", json={"username": username, "accountName": f"Bulk Co {tag}"})
    assert created.status_code == 201, created.text
    tenant = created.json()
    user = await logged_in(console_url, username, tenant["password"])

    sender = f"BLK{tag[:5].upper()}"
    requested = await user.post("/api/sender-ids", json={"senderId": sender, "peId": "1101000000000077"})
    assert requested.status_code == 201, requested.text
    decided = await admin.post(
        f"/api/admin/approvals/sender-ids/{requested.json()['id']}", json={"decision": "APPROVE"}
    )
    assert decided.status_code == 204, decided.text

    template = f"bulk_otp_{tag}"
    body = {
        "name": template,
        "channel": "SMS",
        "category": "Auth",  # transactional: no quiet hours
        "dltTemplateId": "1107160000000777",
        "body": "Your login code is {#var#}. Do not share it. -BULKCO",
        "content": {},
        "confirmHighRisk": True,
    }
    made = await user.post("/api/templates", json=body)
    assert made.status_code == 201, made.text
    if made.json()["status"] != "APPROVED":
        approved = await admin.post(f"/api/admin/approvals/templates/{made.json()['id']}", json={"decision": "APPROVE"})
        assert approved.status_code == 204, approved.text

    credit = await admin.post(
        f"/api/admin/accounts/{tenant['accountId']}/balance-adjustments",
        json={"amountMinor": BALANCE_MINOR, "reason": "bulk campaign journey"},
    )
    assert credit.status_code == 201, credit.text
    await user.aclose()
    await admin.aclose()
    return {
        "username": username,
        "password": tenant["password"],
        "sender": sender,
        "template": template,
        "templateId": made.json()["id"],
        "accountId": tenant["accountId"],
        "apiKey": tenant["apiKey"],
        "webhookSecret": tenant["webhookSecret"],
    }


def recipient() -> str:
    """A number of its own that the sandbox delivers (no magic suffix)."""
    return f"+9198{uuid.uuid4().int % 10**5:05d}906"


async def test_a_csv_with_three_bad_lines_is_sent_and_its_messages_are_in_reports_by_name(browser, platform) -> None:
    tenant = await new_tenant(platform)
    numbers = [recipient() for _ in range(5)]
    lines = [
        "phone,code",  # 1: the header
        f"{numbers[0]},111111",
        "98765,222222",  # 3: not a number
        f"{numbers[1]},333333",
        f"{numbers[2]}",  # 5: the variable missing
        f"{numbers[3]},444444",
        f"{numbers[4]},555555",
        f"{numbers[0]},666666",  # 8: a duplicate of line 2
    ]
    csv_file = ("\n".join(lines) + "\n").encode()

    ui = await Console.open(browser, platform.urls["console"])
    try:
        await ui.login(tenant["username"], tenant["password"])
        await ui.go("Bulk Campaign")
        await expect(ui.page.get_by_text("No campaigns yet")).to_be_visible()
        await ui.page.get_by_role("button", name="Create campaign").click()
        form = ui.page.get_by_role("dialog")
        name = f"diwali_promo_{uuid.uuid4().hex[:6]}"
        await ui.field("Campaign name", scope=form).fill(name)
        await ui.choose("Sender ID", tenant["sender"], scope=form)
        await ui.choose_matching("Template", rf"^{tenant['template']}\b", scope=form)
        await expect(form.get_by_test_id("campaign-columns")).to_contain_text("column 2: the template's variable")
        await form.get_by_label("CSV file").set_input_files(
            {"name": "diwali.csv", "mimeType": "text/csv", "buffer": csv_file}
        )
        await expect(form.get_by_text(re.compile(r"0\.0 MB of at most 200 MB"))).to_be_visible()
        await ui.shot("campaign-create")
        await form.get_by_role("button", name="Create campaign").click()

        drawer = ui.page.get_by_role("dialog", name="Campaign")
        await expect(drawer.get_by_test_id("campaign-name")).to_have_text(name)
        await expect(drawer.get_by_test_id("rejected-line")).to_have_text(["3", "5", "8"])
        await expect(drawer.get_by_text("duplicate of line 2")).to_be_visible()
        await expect(drawer.get_by_test_id("campaign-status")).to_have_text("COMPLETED", timeout=STATUS_TIMEOUT_MS)
        await expect(drawer.get_by_test_id("campaign-progress")).to_have_text("100%")
        await expect(drawer.get_by_test_id("count-total")).to_have_text("7")  # the header is no row
        await expect(drawer.get_by_test_id("count-sent")).to_have_text("4")  # lines 2, 4, 6, 7
        await expect(drawer.get_by_test_id("count-delivered")).to_have_text("4", timeout=STATUS_TIMEOUT_MS)
        await expect(drawer.get_by_role("link", name="Download rejected rows (CSV)")).to_have_attribute(
            "href", re.compile(r"/api/campaigns/\d+/rejected\.csv$")
        )
        await ui.shot("campaign-detail-completed")
        download = await ui.page.context.request.get(
            await drawer.get_by_role("link", name="Download rejected rows (CSV)").get_attribute("href")
        )
        assert [row.split(",")[0] for row in (await download.text()).splitlines()[1:]] == ["3", "5", "8"]

        await ui.page.keyboard.press("Escape")
        row = ui.page.get_by_role("row").filter(has_text=name)
        await expect(row.get_by_test_id("campaign-status")).to_have_text("COMPLETED")
        await expect(row.get_by_test_id("campaign-total")).to_have_text("7")
        await expect(row.get_by_test_id("campaign-processed")).to_have_text("7")
        await expect(row.get_by_test_id("campaign-failed")).to_have_text("3")
        await ui.shot("campaigns")

        await row.click()
        await drawer.get_by_role("link", name="View its messages in Reports").click()
        await expect(ui.page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
        await expect(ui.field("Campaign")).to_have_value(name)
        await expect(ui.page.get_by_text("4 message(s)")).to_be_visible()
        messages = ui.page.get_by_role("row").filter(has_text=name)
        await expect(messages).to_have_count(4)
        for number in (numbers[0], numbers[1], numbers[3], numbers[4]):
            await expect(messages.filter(has_text=number)).to_have_count(1)
        await expect(messages.filter(has_text=numbers[2])).to_have_count(0)  # its line was rejected
        await ui.shot("reports-by-campaign")
    finally:
        await ui.close()


async def test_a_scheduled_campaign_waits_and_is_paused_resumed_and_cancelled_from_the_list(browser, platform) -> None:
    tenant = await new_tenant(platform)  # a new account's time zone: Asia/Kolkata
    start = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Asia/Kolkata")).replace(second=0)
    ui = await Console.open(browser, platform.urls["console"])
    try:
        await ui.login(tenant["username"], tenant["password"])
        await ui.go("Bulk Campaign")
        await ui.page.get_by_role("button", name="Create campaign").click()
        form = ui.page.get_by_role("dialog")
        name = f"tomorrow_{uuid.uuid4().hex[:6]}"
        await ui.field("Campaign name", scope=form).fill(name)
        await ui.choose("Sender ID", tenant["sender"], scope=form)
        await ui.choose_matching("Template", rf"^{tenant['template']}\b", scope=form)
        await form.get_by_label("Scheduled start").fill(f"{start:%Y-%m-%dT%H:%M}")
        await expect(form.get_by_text("in your account's time zone (Asia/Kolkata)")).to_be_visible()
        await form.get_by_label("CSV file").set_input_files(
            {"name": "later.csv", "mimeType": "text/csv", "buffer": f"{recipient()},1\n{recipient()},2\n".encode()}
        )
        await form.get_by_role("button", name="Create campaign").click()

        drawer = ui.page.get_by_role("dialog", name="Campaign")
        await expect(drawer.get_by_test_id("campaign-status")).to_have_text("QUEUED", timeout=STATUS_TIMEOUT_MS)
        await expect(drawer.get_by_test_id("campaign-status-reason")).to_have_text(
            f"scheduled to start at {start:%Y-%m-%d %H:%M} Asia/Kolkata"
        )
        await expect(drawer.get_by_text(f"scheduled {start:%Y-%m-%d %H:%M}:00")).to_be_visible()
        await expect(drawer.get_by_test_id("count-sent")).to_have_text("0")
        await ui.page.keyboard.press("Escape")

        row = ui.page.get_by_role("row").filter(has_text=name)
        await row.get_by_role("button", name=f"Pause {name}").click()
        await expect(row.get_by_test_id("campaign-status")).to_have_text("PAUSED")
        await expect(row.get_by_test_id("campaign-status-reason")).to_have_text("paused by the user")
        await expect(row.get_by_role("button", name=f"Pause {name}")).to_have_count(0)
        await ui.shot("campaigns-paused")
        await row.get_by_role("button", name=f"Resume {name}").click()
        await expect(row.get_by_test_id("campaign-status")).to_have_text("QUEUED")
        await row.get_by_role("button", name=f"Cancel {name}").click()
        await expect(row.get_by_test_id("campaign-status")).to_have_text("CANCELLED")
        await expect(row.get_by_role("button")).to_have_count(0)  # a cancelled campaign offers nothing
    finally:
        await ui.close()
