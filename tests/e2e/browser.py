"""Driving the web console in Debian's Chromium with Playwright (never a downloaded
browser): launch flags, login, the sidebar, Mantine's selects, and screenshots of every
screen into tests/e2e/screenshots/ (ignored by git) for a reviewer to look at."""

import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
WEB_DIST = Path(__file__).resolve().parents[2] / "services" / "console" / "web" / "dist"
TIMEOUT_MS = 15_000
STATUS_TIMEOUT_MS = 40_000


class Console:
    """One logged-in (or not yet) browser session of the console."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.errors: list[str] = []  # uncaught exceptions in the page: a test fails on any
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    @classmethod
    async def open(cls, browser: Browser, base_url: str) -> "Console":
        context = await browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=base_url)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        console = cls(page, base_url)
        await page.goto("/")
        return console

    async def close(self) -> None:
        await self.page.context.close()
        assert not self.errors, f"the page threw: {self.errors}"

    async def login(self, username: str, password: str) -> None:
        page = self.page
        await page.get_by_label("Username").fill(username)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    async def logout(self) -> None:
        await self.page.get_by_role("button", name="Log out").click()
        await expect(self.page.get_by_label("Username")).to_be_visible()

    async def go(self, screen: str) -> None:
        """Open a screen from the sidebar, by the user guide's name."""
        await self.page.get_by_role("navigation").get_by_text(screen, exact=True).click()
        await expect(self.page.get_by_role("heading", name=screen, exact=True)).to_be_visible()

    def field(self, label: str, *, scope=None):
        """The input labelled `label` (a required field's label ends with a `*`)."""
        return (scope or self.page).get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\s*\*?$"))

    async def choose(self, label: str, option: str, *, scope=None) -> None:
        """Pick `option` in the Mantine Select labelled `label`."""
        await self.field(label, scope=scope).click()
        await self.page.get_by_role("option", name=option, exact=True).click()

    async def choose_matching(self, label: str, pattern: str, *, scope=None) -> None:
        await self.field(label, scope=scope).click()
        await self.page.get_by_role("option", name=re.compile(pattern)).first.click()

    async def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path))
        return path

    async def open_message(self, message_id: str) -> None:
        await self.page.goto(f"/reports?message={message_id}")
        await expect(self.page.get_by_text(message_id)).to_be_visible()

    async def wait_for_status(self, status: str) -> None:
        """The open message detail refreshes itself until its status settles."""
        await expect(self.page.get_by_test_id("message-status")).to_have_text(status, timeout=STATUS_TIMEOUT_MS)
