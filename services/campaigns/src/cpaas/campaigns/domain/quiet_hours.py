"""TRAI's quiet hours: promotional traffic (SMS templates of DLT category MIC, WhatsApp
MARKETING templates) is sent only inside the window (09:00-21:00 IST by default). A
campaign with a promotional level waits outside it and resumes when it opens. Pure: the
time is passed in, so a test moves the clock instead of waiting for the night.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

PROMOTIONAL_CATEGORIES: dict[str, frozenset[str]] = {
    "SMS": frozenset({"MIC"}),  # the console's DLT categories: UIC, MIC, SIC, Auth
    "WHATSAPP": frozenset({"MARKETING"}),
}


def is_promotional(channel: str, category: str | None) -> bool:
    return (category or "").upper() in {c.upper() for c in PROMOTIONAL_CATEGORIES.get(channel, frozenset())}


@dataclass(frozen=True)
class SendingWindow:
    opens: time
    closes: time
    zone: ZoneInfo

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone).time()
        if self.opens <= self.closes:
            return self.opens <= local < self.closes
        return local >= self.opens or local < self.closes  # a window across midnight

    def next_opening(self, now: datetime) -> datetime:
        """The first moment at or after `now` when the window is open (aware, in its zone)."""
        if self.is_open(now):
            return now.astimezone(self.zone)
        local = now.astimezone(self.zone)
        opening = datetime.combine(local.date(), self.opens, tzinfo=self.zone)
        if opening <= local:
            opening = datetime.combine(local.date() + timedelta(days=1), self.opens, tzinfo=self.zone)
        return opening

    def describe(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M} {self.zone.key}"

    def waiting_reason(self, now: datetime) -> str:
        opening = self.next_opening(now)
        return (
            f"quiet hours: promotional messages are sent only {self.describe()} (TRAI);"
            f" the campaign resumes at {opening:%Y-%m-%d %H:%M} {self.zone.key}"
        )
