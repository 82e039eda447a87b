"""The web console's journeys in real headless Chromium (Debian's, driven by Playwright)
against `make run`'s platform: the launcher itself, every service its own process on its
`make run` port (launched.py), the built single-page app served by the console, sends
through the gateway, the connectors and the carrier sandbox, statuses from reporting.
Every screen is saved to tests/e2e/screenshots/.
"""

import asyncio
import re
import struct
import uuid
import zlib

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from .browser import CHROMIUM, FLAGS, STATUS_TIMEOUT_MS, WEB_DIST, Console
from .conftest import Platform

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

GUIDE_SCREENS = [  # the guide's 14 screens; User Management (the admin's) is checked below
    "Dashboard",
    "Quick Message",
    "Bulk Campaign",
    "Campaign Intelligence",
    "Templates",
    "Channels",
    "Sender IDs",
    "Reports",
    "Report Summary",
    "Traffic Anomaly",
    "Spam Detection",
    "Billing",
    "Blacklist Management",
    "Settings",
]


@pytest.fixture(scope="module")
async def platform(launched_platform: Platform) -> Platform:
    """`make run`'s platform, launched once for the run (tests/e2e/conftest.py)."""
    return launched_platform


@pytest.fixture(scope="module")
async def browser() -> Browser:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"the web console is not built ({WEB_DIST}); `make web` builds it, and `make test` runs it")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium package")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def console(browser, platform):
    consoles: list[Console] = []

    async def open_console() -> Console:
        ui = await Console.open(browser, platform.urls["console"])
        consoles.append(ui)
        return ui

    yield open_console
    for ui in consoles:
        await ui.close()


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG image of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def number(suffix: str) -> str:
    """A recipient of its own for each test: +91 98 <random> <magic suffix>."""
    return f"+9198{uuid.uuid4().int % 10**5:05d}{suffix}"


async def test_login_wrong_password_and_logout(console, platform) -> None:
    ui = await console()
    await ui.shot("login")
    await ui.page.get_by_label("Username").fill(platform.creds["user"]["username"])
    await ui.page.get_by_label("Password").fill("not-the-password")
    await ui.page.get_by_role("button", name="Log in").click()
    await expect(ui.page.get_by_role("alert")).to_contain_text(re.compile("invalid|wrong|incorrect", re.I))
    await ui.shot("login-wrong-password")

    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await expect(ui.page.get_by_text("Messages Today")).to_be_visible()
    await ui.logout()
    await ui.page.goto("/dashboard")  # the session is gone: back to the login form
    await expect(ui.page.get_by_label("Username")).to_be_visible()


async def test_every_screen_renders_for_a_user_and_the_admin(console, platform) -> None:
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    nav = ui.page.get_by_role("navigation")
    for screen in GUIDE_SCREENS:
        await ui.go(screen)
        await expect(ui.page.get_by_text("Something went wrong")).to_have_count(0)
        await ui.shot(screen.lower().replace(" ", "-"))
    await expect(nav.get_by_text("User Management", exact=True)).to_have_count(0)  # users see no admin screen

    admin = await console()
    await admin.login(platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    await admin.go("User Management")
    await expect(admin.page.get_by_text("Something went wrong")).to_have_count(0)
    await admin.shot("admin-approvals")


async def test_sms_template_created_then_sent_from_quick_message_is_delivered_in_reports(console, platform) -> None:
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Templates")
    await ui.page.get_by_role("button", name="Create template").click()
    name = unique("otp")
    form = ui.page.get_by_role("dialog")
    await form.get_by_label("Template name").fill(name)
    await form.get_by_label("DLT template ID").fill("1207160000000099")
    await ui.choose("Category", "Auth", scope=form)
    await form.get_by_label("Body").fill("Your OTP is {#var#}. Do not share it.")
    await expect(form.get_by_text(re.compile("GSM-7 · 1 segment"))).to_be_visible()
    await ui.shot("templates-create-sms")
    await form.get_by_role("button", name="Create SMS template").click()
    row = ui.page.get_by_role("row").filter(has_text=name)
    await expect(row).to_contain_text("APPROVED")
    await ui.shot("templates")

    await ui.go("Quick Message")
    recipient = number("906")
    await ui.page.get_by_label("Recipient").fill(recipient)
    await ui.choose("Sender ID", platform.creds["senderId"])
    await ui.choose_matching("Template", rf"^{name}\b")
    await ui.page.get_by_label("Variable 1").fill("482913")
    await expect(ui.page.get_by_test_id("content-0")).to_have_text("Your OTP is 482913. Do not share it.")
    await ui.shot("quick-message-sms")
    await ui.page.get_by_role("button", name="Send").click()
    await expect(ui.page.get_by_text("Message accepted")).to_be_visible()
    await ui.page.get_by_role("link", name="View in Reports").click()
    await ui.wait_for_status("DELIVERED")
    await expect(ui.page.get_by_test_id("message-channel")).to_contain_text("SMS")
    await ui.shot("reports-detail-sms-delivered")


async def test_whatsapp_template_approved_by_the_admin_is_sent_and_read_for_904(console, platform, tmp_path) -> None:
    user = await console()
    await user.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await user.go("Templates")
    await user.page.get_by_role("button", name="Create template").click()
    form = user.page.get_by_role("dialog")
    await form.get_by_text("WhatsApp", exact=True).click()
    name = unique("order_update")
    await form.get_by_label("Template name").fill(name)
    await user.choose_matching("WABA number", re.escape(platform.creds["wabaNumber"]), scope=form)
    await user.choose("Category", "UTILITY", scope=form)
    await user.choose("Header type", "Image", scope=form)
    header = tmp_path / "parcel.png"
    header.write_bytes(png(400, 210, (244, 162, 97)))
    await form.get_by_label("Header image").set_input_files(header)
    await expect(form.get_by_label("WhatsApp preview").get_by_role("img")).to_be_visible()
    await form.get_by_label("Body").fill("Hi {{1}}, your order has shipped.")
    await user.shot("templates-create-whatsapp")
    await form.get_by_role("button", name=re.compile("Create WhatsApp template|Submit")).click()
    row = user.page.get_by_role("row").filter(has_text=name)
    await expect(row).to_contain_text("PENDING")

    admin = await console()
    await admin.login(platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    await admin.go("User Management")
    item = admin.page.get_by_role("row").filter(has_text=name)
    await admin.shot("admin-approvals-pending")
    await item.get_by_role("button", name="Approve").click()
    await expect(admin.page.get_by_role("row").filter(has_text=name)).to_have_count(0)

    await user.page.reload()
    await expect(user.page.get_by_role("row").filter(has_text=name)).to_contain_text("APPROVED")
    await user.go("Quick Message")
    await user.page.get_by_text("WhatsApp", exact=True).first.click()
    await user.page.get_by_label("Recipient").fill(number("904"))
    await user.choose_matching("Template", rf"^{name}\b")
    await user.page.get_by_label("Variable 1").fill("Asha")
    await user.page.get_by_role("button", name="Send").click()
    await user.page.get_by_role("link", name="View in Reports").click()
    await user.wait_for_status("READ")
    await user.shot("reports-detail-whatsapp-read")
    # the uploaded header was served to the provider by URL: the Cloud API sandbox fetched it at review
    async with httpx.AsyncClient(base_url=platform.urls["whatsapp"]) as cloud:
        registered = (await cloud.get("/sandbox/whatsapp/templates")).json()["templates"]
    [template] = [t for t in registered if t["name"] == name]
    assert template["status"] == "APPROVED", template
    assert [(m["status"], m["contentType"]) for m in template["media"]] == [(200, "image/png")]


async def test_rcs_to_a_903_number_falls_back_to_whatsapp_then_sms_and_shows_retrying(console, platform) -> None:
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Quick Message")
    await ui.page.get_by_text("RCS", exact=True).first.click()
    recipient = number("903")
    await ui.page.get_by_label("Recipient").fill(recipient)
    await ui.choose_matching("Template", r"^rcs_welcome\b")
    await ui.page.get_by_role("button", name="Add fallback").click()
    await ui.choose("Fallback 1 channel", "WhatsApp")
    await ui.choose_matching("Fallback 1 template", r"^order_update\b")
    await ui.page.get_by_role("button", name="Add fallback").click()
    await expect(ui.page.get_by_role("button", name="Add fallback")).to_be_disabled()  # at most 2 levels
    await ui.choose("Fallback 2 sender ID", platform.creds["senderId"])
    await ui.choose_matching("Fallback 2 template", r"^otp_alert\b")
    # each level has its own variables (an SMS fallback once read "Your OTP is Asha")
    await ui.page.get_by_label("Variable 1", exact=True).fill("Asha")
    await expect(ui.page.get_by_label("Variable 2", exact=True)).to_have_count(0)  # rcs_welcome has one
    await ui.page.get_by_role("button", name="Send").click()
    await expect(ui.page.get_by_text("needs 2 variables; missing position(s) 1, 2").first).to_be_visible()
    await ui.page.get_by_label("Fallback 1 variable 1", exact=True).fill("Asha")
    await ui.page.get_by_label("Fallback 1 variable 2", exact=True).fill("A-1042")
    await ui.page.get_by_label("Fallback 2 variable 1", exact=True).fill("771204")
    await ui.page.get_by_label("Fallback 2 variable 2", exact=True).fill("20")
    await expect(ui.page.get_by_test_id("content-2")).to_contain_text("Your OTP is 771204. It is valid for 20 minutes")
    await expect(ui.page.get_by_test_id("content-1")).to_contain_text("Hi Asha, your order A-1042")
    await ui.shot("quick-message-fallback")
    await ui.page.get_by_role("button", name="Send").click()
    await ui.page.get_by_role("link", name="View in Reports").click()
    await ui.wait_for_status("DELIVERED")
    await expect(ui.page.get_by_test_id("message-channel")).to_have_text("by SMS (fallback 2 of RCS)")
    history = ui.page.get_by_role("dialog")
    await expect(history.get_by_text("RETRYING").first).to_be_visible()
    await ui.shot("reports-detail-fallback")
    smsc = await platform.gateway.get(
        f"{platform.urls['sandbox']}/sandbox/smsc/messages", params={"recipient": recipient}
    )
    assert smsc.json()["messages"][-1]["text"].startswith("Your OTP is 771204. It is valid for 20 minutes.")


async def test_rotating_the_api_key_in_settings_makes_the_old_key_fail(console, platform) -> None:
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Settings")
    await ui.page.get_by_role("button", name="Rotate API key").click()
    await ui.page.get_by_role("dialog").get_by_role("button", name="Rotate", exact=True).click()
    new_key = (await ui.page.get_by_test_id("new-api-key").inner_text()).strip()
    await ui.shot("settings-rotated-key")
    old_key = platform.creds["apiKey"]
    assert new_key and new_key != old_key
    body = {
        "recipient": number("906"),
        "channel": "SMS",
        "templateId": platform.creds["templates"]["SMS"],
        "senderId": platform.creds["senderId"],
        "variables": ["1", "2"],
    }
    async with httpx.AsyncClient(base_url=platform.urls["gateway"]) as gateway:
        old = await gateway.post("/api/v1/messages/submit", json=body, headers={"X-API-Key": old_key})
        assert old.status_code == 401, old.text
        new = await gateway.post("/api/v1/messages/submit", json=body, headers={"X-API-Key": new_key})
        assert new.status_code == 202, new.text
    platform.creds["apiKey"] = new_key  # later tests of this module use the account's current key


async def test_admin_creates_an_account_whose_user_cannot_read_another_accounts_data(console, platform) -> None:
    demo_message = await platform.submit(
        recipient=number("906"),
        channel="SMS",
        templateId=platform.creds["templates"]["SMS"],
        senderId=platform.creds["senderId"],
        variables=["1", "2"],
    )
    demo_template = platform.creds["templates"]["SMS"]

    admin = await console()
    await admin.login(platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    await admin.go("User Management")
    await admin.page.get_by_role("tab", name="Users").click()
    await admin.page.get_by_role("button", name="Add user").click()
    form = admin.page.get_by_role("dialog")
    username = unique("other")
    await admin.field("Username", scope=form).fill(username)
    await form.get_by_label("New account").check()
    await admin.field("New account name", scope=form).fill(f"Other Co {username}")
    await admin.shot("admin-create-user")
    await form.get_by_role("button", name="Create user").click()
    secrets = admin.page.get_by_role("dialog")
    password = await secrets.get_by_label("New password").input_value()
    assert password
    await admin.shot("admin-user-created")
    await secrets.get_by_role("button", name="I have copied it").click()
    await admin.page.get_by_label("Search users").fill(username)
    await expect(admin.page.get_by_role("row").filter(has_text=username)).to_contain_text("Active")
    await admin.shot("admin-users")

    other = await console()
    await other.login(username, password)
    await other.go("Templates")
    await expect(other.page.get_by_text("No templates")).to_be_visible()  # none of the demo account's
    await other.go("Reports")
    await expect(other.page.get_by_text("No messages match")).to_be_visible()
    await other.page.goto(f"/reports?message={demo_message['messageId']}")
    await expect(other.page.get_by_text(re.compile("not found|no such", re.I)).first).to_be_visible()
    await other.shot("isolation-foreign-message")
    # and straight through the API, with this user's own session
    api = other.page.context.request
    template = await api.get(f"/api/templates/{demo_template}")
    assert template.status == 404
    message = await api.get(f"/api/reports/{demo_message['messageId']}")
    assert message.status == 404
    page = await (await api.get("/api/reports")).json()
    assert page["total"] == 0


async def test_rcs_carousel_with_three_uploaded_images_previews_and_submits(console, platform, tmp_path) -> None:
    colours = [(230, 57, 70), (42, 157, 143), (38, 70, 83)]
    images = []
    for i, rgb in enumerate(colours, start=1):
        path = tmp_path / f"card{i}.png"
        path.write_bytes(png(320, 200, rgb))
        images.append(path)

    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Templates")
    await ui.page.get_by_role("button", name="Create template").click()
    form = ui.page.get_by_role("dialog")
    await form.get_by_text("RCS", exact=True).click()
    name = unique("festive_offers")
    await ui.field("Template name", scope=form).fill(name)
    await ui.choose_matching("RCS bot", "CPaaS Demo", scope=form)
    await form.get_by_label("Carousel", exact=True).check()
    await form.get_by_role("button", name="Add Card").click()
    preview = form.get_by_label("Scrollable row of cards")
    for i, image in enumerate(images, start=1):
        await form.get_by_label(f"Card {i} image or video").set_input_files(image)
        await ui.field(f"Card {i} title", scope=form).fill(f"Offer {i}")
        await ui.field(f"Card {i} description", scope=form).fill(f"{10 * i}% off this week")
        shown = preview.get_by_role("img", name=f"Card {i} image")
        await expect(shown).to_be_visible()  # the upload shows in the preview at once
    await expect(preview.get_by_test_id("rcs-carousel-card")).to_have_count(3)
    for i in range(1, 4):
        loaded = await preview.get_by_role("img", name=f"Card {i} image").evaluate(
            "img => img.complete && img.naturalWidth"
        )
        assert loaded == 320
    await expect(preview).to_contain_text("Offer 3")
    scrollable = await preview.evaluate("el => getComputedStyle(el).overflowX")
    assert scrollable in ("auto", "scroll")
    await ui.shot("templates-create-rcs-carousel")
    await form.get_by_role("button", name="Submit template").click()
    await expect(ui.page.get_by_role("row").filter(has_text=name)).to_contain_text("PENDING")
    await ui.shot("templates-rcs-pending")

    # the three uploads were stored by the platform and fetched by RBM, by URL, at its review
    async with httpx.AsyncClient(base_url=platform.urls["rbm"]) as rbm:
        async with asyncio.timeout(20):
            while True:
                registered = (await rbm.get("/sandbox/rbm/templates")).json()["templates"]
                mine = [t for t in registered if t["name"] == name]
                if mine and mine[0]["state"] != "PENDING":
                    break
                await asyncio.sleep(0.2)
    [template] = mine
    assert template["state"] == "APPROVED", template
    assert [(m["status"], m["contentType"]) for m in template["media"]] == [(200, "image/png")] * 3
    assert all(m["url"].startswith(platform.urls["console"] + "/media/") for m in template["media"])


async def test_dashboard_shows_todays_messages_and_the_channel_chart(console, platform) -> None:
    sent = await platform.submit(
        recipient=number("906"),
        channel="SMS",
        templateId=platform.creds["templates"]["SMS"],
        senderId=platform.creds["senderId"],
        variables=["1", "2"],
    )
    await platform.wait_for(sent["messageId"], lambda m: m["status"] == "DELIVERED", "the SMS was not delivered")
    t = platform.creds["templates"]
    chain = await platform.submit(  # +91...903: no RCS, no WhatsApp; delivered by its SMS fallback
        recipient=number("903"),
        channel="RCS",
        templateId=t["RCS"],
        variables=["Asha"],
        fallback=[
            {"channel": "WHATSAPP", "templateId": t["WHATSAPP"], "variables": ["Asha", "A-1042"]},
            {"channel": "SMS", "templateId": t["SMS"], "senderId": platform.creds["senderId"], "variables": ["7", "5"]},
        ],
    )
    await platform.wait_for(chain["messageId"], lambda m: m["status"] == "DELIVERED", "the fallback was not delivered")
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    # counted under RCS, the channel it was sent on first, and shown as delivered by SMS fallback
    await expect(ui.page.get_by_test_id("fallback-deliveries")).to_contain_text(
        re.compile(r"RCS → SMS: [1-9]\d* today")
    )
    today = ui.page.get_by_text("Messages Today").locator("..")
    await expect(today).not_to_contain_text(re.compile(r"Messages Today\s*0$"))
    count = int(re.sub(r"\D", "", await today.inner_text()))
    assert count >= 1
    await expect(ui.page.locator("canvas").first).to_be_visible()  # ECharts draws on a canvas
    await ui.page.wait_for_timeout(1500)  # its bars grow in an animation
    await ui.shot("dashboard-with-traffic")


async def test_a_blacklisted_number_is_refused_in_quick_message_with_a_clear_message(console, platform) -> None:
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Blacklist Management")
    blocked = number("906")
    await ui.field("Phone number").fill(blocked)
    await ui.page.get_by_role("button", name="Add to blacklist").click()
    await expect(ui.page.get_by_role("row").filter(has_text=blocked)).to_be_visible()
    await ui.shot("blacklist-added")

    await ui.go("Quick Message")
    await ui.field("Recipient").fill(blocked)
    await ui.choose_matching("Template", r"^otp_alert\b")
    await ui.page.get_by_label("Variable 1").fill("1")
    await ui.page.get_by_label("Variable 2").fill("2")
    await ui.page.get_by_role("button", name="Send").click()
    await expect(ui.page.get_by_text(re.compile("blacklist", re.I)).first).to_be_visible()
    await expect(ui.page.get_by_text("Message accepted")).to_have_count(0)
    await ui.shot("quick-message-blacklisted")

    await ui.go("Blacklist Management")
    await ui.page.get_by_role("button", name=f"Remove {blocked}").click()
    await expect(ui.page.get_by_role("row").filter(has_text=blocked)).to_have_count(0)


async def test_requests_reviewed_by_the_admin_reach_the_user(console, platform) -> None:
    """A sender ID and an RCS bot go PENDING until an admin approves; a rejected template
    shows the admin's reason and is edited and re-submitted; a balance credit lands in Billing."""
    user = await console()
    await user.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    admin = await console()
    await admin.login(platform.creds["admin"]["username"], platform.creds["admin"]["password"])

    sender = f"S{uuid.uuid4().hex[:7].upper()}"
    await user.go("Sender IDs")
    await user.field("Sender ID").fill(sender)
    await user.field("PE ID").fill("1201160000000012345")
    await user.page.get_by_role("button", name="Request", exact=True).click()
    await expect(user.page.get_by_role("row").filter(has_text=sender)).to_contain_text("PENDING")

    await user.go("Channels")
    await user.page.get_by_role("tab", name="RCS").click()
    await user.page.get_by_role("button", name="Request RCS bot").click()
    bot = unique("Shop bot")
    await user.field("Display name").fill(bot)
    await user.field("Bot handle").fill(unique("shop").replace("_", "-"))
    await user.page.get_by_role("button", name="Submit request").click()
    await expect(user.page.get_by_role("row").filter(has_text=bot)).to_contain_text("PENDING")
    await user.shot("channels-rcs-requested")

    await user.go("Templates")
    await user.page.get_by_role("button", name="Create template").click()
    form = user.page.get_by_role("dialog")
    await form.get_by_text("WhatsApp", exact=True).click()
    template = unique("promo")
    await user.field("Template name", scope=form).fill(template)
    await user.choose_matching("WABA number", re.escape(platform.creds["wabaNumber"]), scope=form)
    await user.choose("Category", "MARKETING", scope=form)
    await form.get_by_label("Body").fill("Flat {{1}} off today!")
    await form.get_by_role("button", name="Submit template").click()
    await expect(user.page.get_by_role("row").filter(has_text=template)).to_contain_text("PENDING")

    await admin.go("User Management")
    for name in (sender, bot):
        await admin.page.get_by_role("button", name=f"Approve {name}").click()
        await expect(admin.page.get_by_role("button", name=f"Approve {name}")).to_have_count(0)
    await admin.page.get_by_role("button", name=f"Reject {template}").click()
    await admin.page.get_by_label("Reason (the user sees it)").fill("Add the offer's end date")
    await admin.page.get_by_role("button", name="Confirm rejection").click()
    await expect(admin.page.get_by_role("button", name=f"Reject {template}")).to_have_count(0)

    await admin.page.get_by_role("tab", name="Users").click()
    await admin.page.get_by_role("button", name="Adjust balance", exact=True).click()
    dialog = admin.page.get_by_role("dialog")
    await dialog.get_by_role("combobox", name=re.compile(r"^Account")).select_option(
        label=f"Demo (#{platform.creds['accountId']})"
    )
    await admin.field("Amount (₹)", scope=dialog).fill("250.50")
    reason = unique("Diwali top-up")
    await admin.field("Reason", scope=dialog).fill(reason)
    await admin.shot("admin-adjust-balance")
    await dialog.get_by_role("button", name="Apply adjustment").click()
    await expect(admin.page.get_by_text("Balance adjusted")).to_be_visible()

    await user.go("Sender IDs")
    await expect(user.page.get_by_role("row").filter(has_text=sender)).to_contain_text("APPROVED")
    await user.go("Channels")
    await user.page.get_by_role("tab", name="RCS").click()
    await expect(user.page.get_by_role("row").filter(has_text=bot)).to_contain_text("ACTIVE")
    await user.go("Templates")
    row = user.page.get_by_role("row").filter(has_text=template)
    await expect(row).to_contain_text("REJECTED")
    await expect(row.get_by_test_id("status-reason")).to_contain_text("Add the offer's end date")
    await user.shot("templates-rejected")
    await row.get_by_role("button", name=f"Edit and re-submit {template}").click()
    edit = user.page.get_by_role("dialog")
    await edit.get_by_label("Body").fill("Flat {{1}} off today, until Sunday!")
    await edit.get_by_role("button", name="Re-submit template").click()
    await expect(user.page.get_by_role("row").filter(has_text=template)).to_contain_text("PENDING")
    await user.go("Billing")
    await expect(user.page.get_by_role("row").filter(has_text=reason)).to_contain_text("250.50")
    await user.shot("billing-credited")


async def test_reports_update_without_a_reload_and_the_detail_fits_1280_with_each_attempts_body(
    console, platform
) -> None:
    """Issue 20.6 and 20.7: a message sent while Reports is open appears and settles on the
    list without a reload (its "updated hh:mm:ss" moves), the list agrees with the detail,
    and the detail shows the rendered body (the OTP masked) with error text and cost in view."""
    ui = await console()
    await ui.page.set_viewport_size({"width": 1280, "height": 800})
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Reports")
    await expect(ui.page.get_by_test_id("updated-at").first).to_contain_text(re.compile(r"updated \d\d:\d\d:\d\d"))
    recipient = number("210")
    sent = await platform.submit(
        recipient=recipient,
        channel="SMS",
        templateId=platform.creds["templates"]["SMS"],
        senderId=platform.creds["senderId"],
        variables=["482913", "10"],
    )
    row = ui.page.get_by_role("row").filter(has_text=recipient)
    await expect(row).to_contain_text("DELIVERED", timeout=STATUS_TIMEOUT_MS)  # no reload: the page polls
    await row.click()
    await ui.wait_for_status("DELIVERED")
    await expect(ui.page.get_by_text(sent["messageId"])).to_be_visible()
    body = ui.page.get_by_test_id("attempt-body")
    await expect(body).to_contain_text("Your OTP is ••••. It is valid for •••• minutes.")
    await expect(body).not_to_contain_text("482913")
    for cell in ("attempt-cost", "attempt-error"):
        # the drawer slides in from the right: measure once it has come to rest
        deadline = asyncio.get_running_loop().time() + 5
        while True:
            box = await ui.page.get_by_test_id(cell).bounding_box()
            inside = box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280
            if inside or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        assert inside, (cell, box)
    await ui.shot("reports-detail-body-1280")


async def test_a_whatsapp_template_reads_both_reviews_on_the_templates_list(console, platform) -> None:
    """Issue 20.2: the list shows the admin's review and the provider's, and whether it can be sent."""
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Templates")
    seeded = ui.page.get_by_role("row").filter(has_text=re.compile(r"order_update(?!_)"))  # not a test's copy
    await expect(seeded.get_by_test_id("review-steps")).to_contain_text("Meta")
    await expect(seeded.get_by_test_id("readiness")).to_have_text("Ready to send")
    await expect(ui.page.get_by_test_id("updated-at")).to_contain_text("updated")


def covers(unicode_range: str, code_point: int) -> bool:
    """Whether a CSS unicode-range ("U+900-97F, U+20B9") includes the code point."""
    for part in unicode_range.upper().replace("U+", "").split(","):
        low, _, high = part.strip().partition("-")
        if int(low, 16) <= code_point <= int(high or low, 16):
            return True
    return False


async def test_hindi_is_drawn_with_the_devanagari_font_the_app_ships(console, platform) -> None:
    """The web app bundles its fonts (Noto Sans from npm, a face per script): a Hindi template
    is drawn with the bundled Devanagari face on any machine, whatever fonts it has."""
    ui = await console()
    await ui.login(platform.creds["user"]["username"], platform.creds["user"]["password"])
    await ui.go("Templates")
    loaded = await ui.page.evaluate(
        """async () => {
            const p = document.createElement("p");
            p.textContent = "आपका OTP 482913 है। इसे किसी के साथ साझा न करें।";
            document.querySelector("main").appendChild(p);
            await document.fonts.load(`16px ${getComputedStyle(p).fontFamily}`, p.textContent);
            await document.fonts.ready;
            return [...document.fonts]
                .filter((face) => face.status === "loaded")
                .map((face) => ({ family: face.family, range: face.unicodeRange }));
        }"""
    )
    devanagari = [face for face in loaded if covers(face["range"], ord("क"))]
    assert devanagari, f"no bundled face for Devanagari was loaded: {loaded}"
    assert all("Noto Sans" in face["family"] for face in devanagari), devanagari
