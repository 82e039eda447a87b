"""The Templates screen's AI features in real headless Chromium against `make run`'s platform
(the launcher: every service its own process, the ai service among them), for a tenant the
admin creates through the console's API: AI Assist drafts fill a WhatsApp form named
diwali_offer_2025 and the compliance check rates it LOW; a risky body is HIGH with CHECK-6,
CHECK-7 and CHECK-9 highlighted, their suggestions shown and applied with a click; a HIGH-risk
template is submitted only after the user confirms it; the admin's approvals queue shows a
template rendered with its header image and its check. Screens go to tests/e2e/screenshots/."""

import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from . import test_console_browser as journeys

# the browser journeys' fixtures: `make run`'s platform for this module, Chromium, a console per test
platform, browser, console = journeys.platform, journeys.browser, journeys.console
png = journeys.png

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

RISKY = "URGENT! share your OTP at bit.ly/x"
SUGGESTIONS = {"CHECK-6": "https://yourbrand.in/x", "CHECK-7": "Important", "CHECK-9": "Never share your OTP"}
SPANS = {"CHECK-6": "bit.ly/x", "CHECK-7": "URGENT", "CHECK-9": "share your OTP"}


async def session(platform, username: str, password: str) -> httpx.AsyncClient:
    """A console API session (cookie and CSRF token), as the web app holds one."""
    client = httpx.AsyncClient(base_url=platform.urls["console"], timeout=15)
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
    return client


@pytest.fixture(scope="module")
async def tenant(platform) -> dict:
    """A new account and its user, created by the admin through the console's API."""
    admin = await session(platform, platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    username = f"ai_{uuid.uuid4().hex[:8]}"
    created = await admin.post("/api/admin/users", json={"username": username, "accountName": f"Festive Co {username}"})
    assert created.status_code == 201, created.text
    await admin.aclose()
    return {"username": username, **created.json()}


async def open_form(ui, tenant, channel: str):
    await ui.login(tenant["username"], tenant["password"])
    await ui.go("Templates")
    await ui.page.get_by_role("button", name="Create template").click()
    form = ui.page.get_by_role("dialog")
    if channel != "SMS":
        await form.get_by_text(channel, exact=True).click()
    return form


async def test_ai_assist_drafts_fill_a_whatsapp_form_and_the_check_highlights_a_risky_body(console, tenant) -> None:
    ui = await console()
    form = await open_form(ui, tenant, "WhatsApp")
    await form.get_by_label("Template name").fill("diwali_offer_2025")
    await ui.choose("Category", "MARKETING", scope=form)

    await form.get_by_role("button", name="AI Assist", exact=True).click()
    await form.get_by_label("Instructions").fill("include a discount offer")
    await form.get_by_role("button", name="Generate drafts").click()
    drafts = form.get_by_test_id("assist-draft")
    await expect(drafts.first).to_be_visible()
    assert await drafts.count() >= 2
    texts = [await d.inner_text() for d in await drafts.all()]
    assert len(set(texts)) == len(texts)  # distinct drafts
    assert all("Diwali" in t and "{{1}}" in t for t in texts)
    await expect(form.get_by_test_id("assist-engine")).to_have_text("Local engine")
    await ui.shot("ai-assist-drafts")

    await form.get_by_role("button", name="Use draft 1").click()
    body = ui.field("Body", scope=form)
    await expect(body).to_have_value(re.compile(r"Diwali.*\{\{1\}\}|\{\{1\}\}.*Diwali", re.S))
    assert (await form.get_by_label("Header text").input_value()).strip()
    assert "STOP" in await form.get_by_label("Footer (optional)").input_value()
    assert (await form.get_by_label("Button 1 text").input_value()).strip()
    preview = form.get_by_label("WhatsApp preview")
    await expect(preview).to_contain_text("Diwali")

    await form.get_by_role("button", name="Check compliance").click()
    await expect(form.get_by_test_id("risk-level")).to_have_text("LOW")
    await expect(form.get_by_test_id("compliance-warning")).to_have_count(0)
    await ui.shot("ai-assist-draft-used-low")

    await body.fill(RISKY)
    await form.get_by_role("button", name="Check compliance").click()
    await expect(form.get_by_test_id("risk-level")).to_have_text("HIGH")
    for check, span in SPANS.items():
        warning = form.locator(f'[data-testid="compliance-warning"][data-check="{check}"]')
        await expect(warning).to_contain_text(SUGGESTIONS[check])
        await expect(form.locator(f'mark[data-check~="{check}"]')).to_have_text(span)
    assert int(await form.get_by_test_id("risk-score").inner_text()) >= 60
    await form.get_by_test_id("compliance-result").scroll_into_view_if_needed()
    await ui.shot("compliance-high-highlighted")

    # a suggestion applied rewrites its span in the body, and the check runs again
    await form.get_by_role("button", name="Apply the suggestion for CHECK-6").click()
    await expect(body).to_have_value("URGENT! share your OTP at https://yourbrand.in/x")
    await expect(form.locator('[data-testid="compliance-warning"][data-check="CHECK-6"]')).to_have_count(0)
    await expect(form.locator('[data-testid="compliance-warning"][data-check="CHECK-9"]')).to_have_count(1)
    await ui.shot("compliance-suggestion-applied")


async def test_a_high_risk_sms_template_is_submitted_only_once_confirmed(console, tenant) -> None:
    ui = await console()
    form = await open_form(ui, tenant, "SMS")
    name = f"risky_{uuid.uuid4().hex[:6]}"
    await form.get_by_label("Template name").fill(name)
    await form.get_by_label("DLT template ID").fill("1207160000000042")
    await ui.choose("Category", "UIC", scope=form)
    await form.get_by_label("Body").fill("URGENT! share your OTP {#var#} at bit.ly/x")
    await form.get_by_role("button", name="Create SMS template").click()
    confirm = ui.page.get_by_role("dialog", name="Submit a HIGH-risk template?")
    await expect(confirm.get_by_test_id("high-risk-message")).to_contain_text("HIGH risk")
    await expect(confirm.get_by_test_id("high-risk-message")).to_contain_text("CHECK-9")
    await ui.shot("compliance-confirm-high-risk")
    await confirm.get_by_role("button", name="Submit anyway").click()
    await expect(ui.page.get_by_role("row").filter(has_text=name)).to_contain_text("APPROVED")


async def test_the_approvals_queue_shows_the_template_with_its_image_and_its_check(console, platform, tenant) -> None:
    admin_api = await session(platform, platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    suffix = f"{uuid.uuid4().int % 10**6:06d}"
    linked = await admin_api.post(
        f"/api/admin/accounts/{tenant['accountId']}/whatsapp-numbers",
        json={
            "phoneNumber": f"+91900{suffix}1",
            "displayName": "Festive Co",
            "wabaId": f"77{suffix}",
            "phoneNumberId": f"88{suffix}",
            "accessToken": "local-dev-wa-token",  # the Cloud API sandbox's (make run's) token
        },
    )
    assert linked.status_code == 201, linked.text
    await admin_api.aclose()

    user_api = await session(platform, tenant["username"], tenant["password"])
    image = png(400, 210, (244, 162, 97))
    upload = await user_api.post(
        "/api/media", params={"filename": "diwali.png"}, content=image, headers={"Content-Type": "image/png"}
    )
    assert upload.status_code == 201, upload.text
    name = f"festive_{uuid.uuid4().hex[:6]}"
    template = {
        "name": name,
        "channel": "WHATSAPP",
        "category": "MARKETING",
        "templateType": "MEDIA",
        "body": "URGENT! Hi {{1}}, share your OTP at bit.ly/x to claim your Diwali gift.",
        "content": {"header": {"type": "IMAGE", "mediaUrl": upload.json()["url"]}, "footer": "Reply STOP to opt out"},
        "wabaNumberId": linked.json()["id"],
        "confirmHighRisk": True,
    }
    created = await user_api.post("/api/templates", json=template)
    assert created.status_code == 201, created.text
    await user_api.aclose()

    admin = await console()
    await admin.login(platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    await admin.go("User Management")
    row = admin.page.get_by_role("row").filter(has_text=name)
    await expect(row.get_by_test_id("approval-risk")).to_contain_text("HIGH")
    await row.get_by_role("button", name=f"View {name}").click()
    shown = admin.page.get_by_role("dialog", name=re.compile(f"Template {name}"))
    await expect(shown.get_by_label("WhatsApp preview").get_by_role("img")).to_be_visible()
    await expect(shown.get_by_label("WhatsApp preview")).to_contain_text("Reply STOP to opt out")
    await expect(shown.get_by_test_id("risk-level")).to_have_text("HIGH")
    for check, span in SPANS.items():
        await expect(shown.locator(f'mark[data-check~="{check}"]')).to_have_text(span)
    await expect(shown.get_by_role("button", name=re.compile("Apply"))).to_have_count(0)  # the admin only reads it
    await admin.shot("admin-approvals-template-with-check")
