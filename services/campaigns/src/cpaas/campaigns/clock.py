"""The wall clock, injectable: quiet hours and schedules read `clock.now()`, so a test
sets the time instead of waiting for it."""

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
