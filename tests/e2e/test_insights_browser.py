"""The Dashboard's AI insights card in real headless Chromium against `make run`'s platform, for
the analytics journey's tenant (made by the admin over the console's API; its SMS traffic sent
through the public API with its own key, a fifth of it to numbers the sandbox's SMSC answers
UNDELIV): the card shows every insight the engine answers for the account, its title, its text
and the numbers it cites, the failures as many as Reports lists."""

import pytest
from playwright.async_api import expect

from .test_analytics_browser import FAILED, browser, console, platform, reports, tally, tenant  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


async def test_the_dashboard_card_shows_the_insights_and_the_numbers_they_cite(console, tenant) -> None:  # noqa: F811
    counted = tally(await reports(tenant))
    assert counted["failed"] == FAILED
    expected = await tenant["api"].post("/api/analytics/insights")
    assert expected.status_code == 200, expected.text
    answer = expected.json()
    causes = [i for i in answer["insights"] if i["kind"] == "failure_cause"]
    assert [(c["facts"]["channel"], c["facts"]["failed_messages"]) for c in causes] == [("SMS", counted["failed"])]

    ui = await console()
    await ui.login(tenant["username"], tenant["password"])
    await ui.go("Dashboard")
    card = ui.page.get_by_role("region", name="AI insights")
    shown = card.get_by_test_id("insight")
    await expect(shown).to_have_count(len(answer["insights"]))
    for insight in answer["insights"]:
        item = shown.filter(has_text=insight["title"]).first
        await expect(item).to_contain_text(insight["text"])
    cause = shown.filter(has_text=causes[0]["title"]).first
    await expect(cause).to_contain_text("Warning")
    await expect(cause.locator('[data-fact="failed_messages"]')).to_have_text(f"Failed messages: {counted['failed']}")
    await expect(card).to_contain_text("Computed by the built-in engine")
    await ui.shot("dashboard-ai-insights")
