"""Campaign Intelligence and Report Summary in real headless Chromium against `make run`'s platform
(the launcher: every service its own process), for a tenant the admin creates through the console's
API, whose SMS traffic goes through the public API with its own key: some to numbers the sandbox's
SMSC delivers, some to numbers it answers UNDELIV. Once reporting has them, the pages' cards, each
chart (its canvas, and the numbers ECharts itself describes in the chart's aria-label), the
heatmap's busiest cell and the AI insights show what Reports lists for the same messages; Report
Summary's totals and its CSV export equal Reports' for the same range and channel.
Screens go to tests/e2e/screenshots/."""

import asyncio
import csv
import io
import re
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from . import test_console_browser as journeys
from .test_campaigns_browser import logged_in

# the browser journeys' fixtures: `make run`'s platform for this module, Chromium, a console per test
platform, browser, console = journeys.platform, journeys.browser, journeys.console
number = journeys.number

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

WAIT_SECONDS = 60
DIRECT_DELIVERED, DIRECT_FAILED = 80, 24  # to numbers ending in 906 (delivered) and 901 (the SMSC answers UNDELIV)
CAMPAIGN_DELIVERED, CAMPAIGN_FAILED = 4, 2  # a campaign's valid rows, and one bad line it rejects
DELIVERED, FAILED = DIRECT_DELIVERED + CAMPAIGN_DELIVERED, DIRECT_FAILED + CAMPAIGN_FAILED  # 110: past the 100 a
# channel or hour needs to be named best
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DELIVERED_STATUSES, FAILED_STATUSES = {"DELIVERED", "READ"}, {"FAILED", "UNDELIVERED"}


@pytest.fixture(scope="module")
async def tenant(platform) -> dict:
    """An account and its user made by the admin over the console's API, with an approved sender ID,
    an approved SMS template and a balance."""
    console_url = platform.urls["console"]
    admin = await logged_in(console_url, platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    tag = uuid.uuid4().hex[:5].upper()
    username = f"stats_{tag.lower()}"
    created = await admin.post("/api/admin/users", json={"username": username, "accountName": f"Stats Co {tag}"})
    assert created.status_code == 201, created.text
    account = created.json()
    user = await logged_in(console_url, username, account["password"])
    sender = f"STA{tag}"
    asked = await user.post("/api/sender-ids", json={"senderId": sender, "peId": "1101000000000099"})
    assert asked.status_code == 201, asked.text
    decided = await admin.post(f"/api/admin/approvals/sender-ids/{asked.json()['id']}", json={"decision": "APPROVE"})
    assert decided.status_code == 204, decided.text
    made = await user.post(
        "/api/templates",
        json={
            "name": f"order_status_{tag.lower()}",
            "channel": "SMS",
            "category": "Auth",  # transactional: no quiet hours
            "dltTemplateId": "1107160000000991",
            "body": "Your order {#var#} is on its way. -STATSCO",
            "content": {},
            "confirmHighRisk": True,
        },
    )
    assert made.status_code == 201, made.text
    if made.json()["status"] != "APPROVED":
        decided = await admin.post(f"/api/admin/approvals/templates/{made.json()['id']}", json={"decision": "APPROVE"})
        assert decided.status_code == 204, decided.text
    credit = await admin.post(
        f"/api/admin/accounts/{account['accountId']}/balance-adjustments",
        json={"amountMinor": 100_000, "reason": "analytics journey"},
    )
    assert credit.status_code == 201, credit.text
    await admin.aclose()
    tenant = {**account, "username": username, "sender": sender, "template": made.json()["id"], "api": user}
    await send_traffic(platform, tenant)
    yield tenant
    await user.aclose()


async def until(fetch, done, what: str):
    async with asyncio.timeout(WAIT_SECONDS):
        while not done(answer := await fetch()):
            await asyncio.sleep(0.5)
    return answer


async def send_traffic(platform, tenant) -> None:
    """The messages through the public API with the tenant's key (single sends and a campaign), each
    to its final state; then reporting's analytics count them all."""
    key = {"X-API-Key": tenant["apiKey"]}
    lines = ["phone,code", "98765,1"]  # a line that is no number: rejected
    lines += [f"{number(s)},{n}" for n, s in enumerate(["906"] * CAMPAIGN_DELIVERED + ["901"] * CAMPAIGN_FAILED)]
    tenant["campaign_name"] = f"analytics_{uuid.uuid4().hex[:6]}"
    created = await platform.gateway.post(
        "/api/v1/campaigns",
        data={
            "name": tenant["campaign_name"],
            "channel": "SMS",
            "templateId": str(tenant["template"]),
            "senderId": tenant["sender"],
        },
        files={"file": ("list.csv", ("\n".join(lines) + "\n").encode(), "text/csv")},
        headers=key,
    )
    assert created.status_code == 201, created.text
    tenant["campaign_id"] = created.json()["id"]
    sent = []
    for n, suffix in enumerate(["906"] * DIRECT_DELIVERED + ["901"] * DIRECT_FAILED):
        body = {
            "recipient": number(suffix),
            "channel": "SMS",
            "templateId": tenant["template"],
            "senderId": tenant["sender"],
            "variables": [f"A{n}"],
        }
        answer = await platform.gateway.post("/api/v1/messages/submit", json=body, headers=key)
        assert answer.status_code == 202, answer.text
        sent.append(answer.json()["messageId"])
    for message_id in sent:
        await until(
            lambda m=message_id: platform.gateway.get(f"/api/v1/messages/{m}", headers=key),
            lambda r: r.status_code == 200 and r.json()["status"] in ("DELIVERED", "UNDELIVERED"),
            f"{message_id} delivered or not",
        )
    await until(
        lambda: platform.gateway.get(f"/api/v1/campaigns/{tenant['campaign_id']}", headers=key),
        lambda r: (
            r.status_code == 200
            and r.json()["status"] == "COMPLETED"
            and r.json()["delivered"] + r.json()["undelivered"] == CAMPAIGN_DELIVERED + CAMPAIGN_FAILED
        ),
        "the campaign completed, each message delivered or not",
    )
    api = tenant["api"]
    await until(
        lambda: api.get("/api/analytics/intelligence"),
        lambda r: r.status_code == 200 and r.json()["total_messages"] == DELIVERED + FAILED,
        "the analytics count every message",
    )


async def reports(tenant, **query) -> list[dict]:
    """Every message Reports lists for the filters (all pages)."""
    rows, page = [], 1
    while True:
        answer = await tenant["api"].get("/api/reports", params={**query, "page": page, "pageSize": 100})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        rows += body["items"]
        if len(rows) >= body["total"] or not body["items"]:
            return rows
        page += 1


def tally(rows: list[dict]) -> dict:
    statuses = Counter(r["status"] for r in rows)
    delivered = sum(statuses[s] for s in DELIVERED_STATUSES)
    failed = sum(statuses[s] for s in FAILED_STATUSES)
    return {"total": len(rows), "delivered": delivered, "failed": failed}


def percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"


def card(ui, label: str):
    return ui.page.get_by_role("group", name=label, exact=True).get_by_test_id("stat-value")


def chart(ui, title: str):
    """The chart's figure, and the element ECharts draws in (its aria-label is ECharts' description)."""
    figure = ui.page.get_by_role("figure", name=title, exact=True)
    return figure, figure.locator("[_echarts_instance_]")


async def expect_chart(ui, title: str, *texts: str) -> None:
    figure, drawn = chart(ui, title)
    await expect(figure.locator("canvas").first).to_be_visible()
    for text in texts:
        await expect(drawn).to_have_attribute("aria-label", re.compile(re.escape(text)))


async def pick(ui, group: str, option: str) -> None:
    """Choose `option` of the SegmentedControl named `group` (its radios are drawn as labels)."""
    await ui.page.get_by_role("radiogroup", name=group).get_by_text(option, exact=True).click()


async def test_campaign_intelligence_shows_the_cards_charts_heatmap_and_insights_of_the_traffic(
    console, platform, tenant
) -> None:
    rows = await reports(tenant)
    counted = tally(rows)
    assert counted == {"total": DELIVERED + FAILED, "delivered": DELIVERED, "failed": FAILED}
    intel = (await tenant["api"].get("/api/analytics/intelligence")).json()
    zone = ZoneInfo(intel["time_zone"])
    local = [datetime.fromisoformat(r["createdAt"]).astimezone(zone) for r in rows]
    by_hour = Counter(t.hour for t in local)
    by_cell = Counter((t.weekday(), t.hour) for t in local)

    ui = await console()
    await ui.login(tenant["username"], tenant["password"])
    await ui.go("Campaign Intelligence")
    await expect(card(ui, "Total Messages")).to_have_text(str(counted["total"]))
    await expect(card(ui, "Avg. Delivery Rate")).to_have_text(percent(counted["delivered"], counted["total"]))
    # one channel: it is the best one once it has the volume the page states
    assert counted["total"] >= intel["min_volume"], intel["min_volume"]  # enough for SMS to be named
    await expect(card(ui, "Best Channel")).to_have_text("SMS")
    await expect(ui.page.get_by_test_id("best-channel-detail")).to_contain_text(
        f"{percent(counted['delivered'], counted['total'])} delivered of {counted['total']} messages"
    )
    await expect(ui.page.get_by_test_id("best-channel-detail")).to_contain_text(
        f"Needs at least {intel['min_volume']:,} messages in the last {intel['window_days']} days"
    )
    if len(by_hour) == 1 and intel["best_hour"] is not None:  # every message in one hour (the usual run)
        assert intel["best_hour"]["hour"] == next(iter(by_hour))
        await expect(card(ui, "Best Hour")).to_have_text(f"{next(iter(by_hour)):02d}:00")

    await expect_chart(
        ui,
        "Delivery rate per channel",
        f"SMS: {percent(counted['delivered'], counted['total'])}",
        "WhatsApp: —",
        "RCS: —",
        "Voice: —",
    )
    await expect_chart(
        ui, "Volume by hour of day", *(f"{h:02d}:00: {n}{';' if h < 23 else '.'}" for h, n in by_hour.items())
    )
    # the busiest cell; of equal ones the earliest in the week (Monday 00:00 first)
    (weekday, hour), busiest = min(by_cell.items(), key=lambda cell: (-cell[1], cell[0]))
    busiest_text = f"{WEEKDAYS[weekday]} {hour:02d}:00 ({busiest} messages)"
    await expect_chart(ui, "Traffic by day and hour", f"busiest: {busiest_text}")
    await expect(ui.page.get_by_test_id("heatmap-busiest")).to_have_text(f"Busiest: {busiest_text}")
    # the campaigns table: the campaign's counts as the campaigns service has them, its delivery rate
    campaign = (await tenant["api"].get(f"/api/campaigns/{tenant['campaign_id']}")).json()
    performance = (
        await tenant["api"].get("/api/analytics/campaigns", params={"search": tenant["campaign_name"]})
    ).json()
    assert [c["campaign_id"] for c in performance["items"]] == [tenant["campaign_id"]]
    assert performance["items"][0]["delivered"] == CAMPAIGN_DELIVERED
    table = ui.page.get_by_role("table", name="Campaign performance")
    row = table.get_by_role("row").filter(has_text=tenant["campaign_name"])
    rate = performance["items"][0]["delivery_rate"]
    await expect(row.get_by_role("cell")).to_have_text(
        [
            tenant["campaign_name"],
            str(campaign["total"]),
            str(campaign["processed"]),
            str(campaign["failed"]),
            f"{rate * 100:.1f}%",
            "COMPLETED",
        ]
    )
    assert campaign["total"] == 1 + CAMPAIGN_DELIVERED + CAMPAIGN_FAILED  # the header is no row
    await ui.page.get_by_label("Search campaigns").fill("no-such-campaign")
    await expect(ui.page.get_by_text("No campaign matches this search.")).to_be_visible()
    await ui.page.get_by_label("Search campaigns").fill(tenant["campaign_name"])
    await expect(row).to_have_count(1)
    await ui.shot("campaign-intelligence")

    # Get AI Insights: the engine's recommendations, each shown with its title
    expected = await tenant["api"].post("/api/analytics/insights")
    assert expected.status_code == 200, expected.text
    titles = [i["title"] for i in expected.json()["insights"]]
    assert titles, "the engine has something to say about a third of the messages failing"
    await ui.page.get_by_role("button", name="Get AI Insights").click()
    insights = ui.page.get_by_test_id("insight")
    await expect(insights).to_have_count(len(titles))
    for title in titles:
        await expect(insights.filter(has_text=title).first).to_be_visible()
    await ui.shot("campaign-intelligence-insights")


async def test_report_summary_totals_and_its_csv_equal_what_reports_lists_for_the_range_and_channel(
    console, platform, tenant
) -> None:
    ui = await console()
    await ui.login(tenant["username"], tenant["password"])
    await ui.go("Report Summary")
    await pick(ui, "Time range", "24 h")

    summary = (await tenant["api"].get("/api/analytics/summary", params={"range": "24h", "bucket": "hour"})).json()
    window = {"from": summary["range_from"], "to": summary["range_to"]}
    listed = tally(await reports(tenant, **window))
    assert listed["total"] == DELIVERED + FAILED
    await expect(card(ui, "Message Volume")).to_have_text(str(listed["total"]))
    await expect(card(ui, "Delivered")).to_have_text(str(listed["delivered"]))
    await expect(card(ui, "Failed")).to_have_text(str(listed["failed"]))
    await expect(card(ui, "Success Rate")).to_have_text(percent(listed["delivered"], listed["total"]))
    await expect(ui.page.get_by_role("radio", name="Hour")).to_be_checked()  # 24 h is drawn by the hour
    await expect_chart(ui, "Message volume")
    _, drawn = chart(ui, "Message volume")
    described = await drawn.get_attribute("aria-label")  # "label: total (rate)" for each bucket with messages
    assert sum(int(n) for n in re.findall(r": (\d+) \(", described)) == listed["total"], described
    await expect_chart(ui, "Channel breakdown", f"SMS: {listed['total']} (")
    await ui.shot("report-summary-24h")

    # the channel filter: SMS is all of it, WhatsApp none of it
    await ui.choose("Channel", "SMS")
    await expect(card(ui, "Message Volume")).to_have_text(str(listed["total"]))
    sms = tally(await reports(tenant, **window, channel="SMS"))
    assert sms == listed

    # CSV export: the same range and channel, the same totals
    async with ui.page.expect_download() as download_info:
        await ui.page.get_by_role("link", name="Export CSV").click()
    download = await download_info.value
    path = await download.path()
    text = Path(path).read_text(encoding="utf-8")
    assert csv_totals(text) == (listed["total"], listed["delivered"], listed["failed"]), text

    # the link to Reports carries the range and channel: it lists the same count
    await ui.page.get_by_role("link", name="View these messages in Reports").click()
    await expect(ui.page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    await expect(ui.page.get_by_text(f"{listed['total']} message(s)")).to_be_visible()

    await ui.go("Report Summary")
    await ui.choose("Channel", "WhatsApp")
    await expect(card(ui, "Message Volume")).to_have_text("0")
    await expect(ui.page.get_by_text("No messages in this range.").first).to_be_visible()
    await pick(ui, "Time range", "30 d")
    await expect(ui.page.get_by_role("radio", name="Day")).to_be_checked()  # 30 d is drawn by the day


def csv_totals(text: str) -> tuple[int, int, int]:
    """The CSV's totals: the sum of its buckets' total, delivered and failed (a totals row, if any, left out)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, text
    first = next(iter(rows[0]))
    buckets = [r for r in rows if not str(r[first]).strip().lower().startswith("total")]
    return tuple(sum(int(r[k] or 0) for r in buckets) for k in ("total", "delivered", "failed"))
