"""Redelivering a webhook as Meta and Google RBM do: again and again, with exponential
backoff and jitter, until the receiver answers 2xx or the provider's horizon (7 days
for both) has passed since the first try.

The pauses are `base * 2^(n-1)` before the (n+1)-th try, capped at `max`, each scaled by
a random factor in [0.5, 1] so webhooks that failed together do not come back together.

In memory only: the sandbox holds nothing durable, so a sandbox restart drops the
webhooks still waiting (a provider would not). Bounded: at most `max_waiting` webhooks
wait for a retry at once; one that fails while that many wait is dropped at once
(`Redelivered.DROPPED`, which the caller counts in its metrics).
"""

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from prometheus_client import Gauge

MAX_EXPONENT = 60  # 2**60 times any base is past every cap: no float overflow


class Redelivered(StrEnum):
    DELIVERED = "delivered"  # answered 2xx
    EXPIRED = "expired"  # the horizon passed first
    DROPPED = "dropped_over_cap"  # too many webhooks were already waiting


@dataclass(frozen=True)
class Backoff:
    base_seconds: float
    max_seconds: float
    horizon_seconds: float

    def ceiling(self, retry: int) -> float:
        """The longest pause before retry number `retry` (1: the pause before the 2nd try)."""
        return min(self.max_seconds, self.base_seconds * 2 ** min(retry - 1, MAX_EXPONENT))

    def pause(self, retry: int, rng: random.Random | None = None) -> float:
        return self.ceiling(retry) * (0.5 + 0.5 * (rng or random).random())


class Redelivery:
    def __init__(self, backoff: Backoff, *, max_waiting: int, waiting_gauge: Gauge | None = None) -> None:
        self.backoff, self.max_waiting, self.waiting_gauge = backoff, max_waiting, waiting_gauge
        self.waiting = 0  # webhooks between a failed try and their next one

    async def deliver(self, post: Callable[[], Awaitable[bool]]) -> Redelivered:
        """Call `post` (one try; True when answered 2xx) until it succeeds or gives up."""
        loop = asyncio.get_running_loop()
        started, retry, counted = loop.time(), 0, False
        try:
            while True:
                if await post():
                    return Redelivered.DELIVERED
                retry += 1
                pause = self.backoff.pause(retry)
                if loop.time() + pause - started > self.backoff.horizon_seconds:
                    return Redelivered.EXPIRED
                if not counted:
                    if self.waiting >= self.max_waiting:
                        return Redelivered.DROPPED
                    self._count_waiting(+1)
                    counted = True
                await asyncio.sleep(pause)
        finally:
            if counted:
                self._count_waiting(-1)

    def _count_waiting(self, change: int) -> None:
        self.waiting += change
        if self.waiting_gauge is not None:
            self.waiting_gauge.inc(change)
