"""A token bucket: the submit rate a carrier allows per bind."""

import asyncio
import time

BURST_SECONDS = 0.1  # the bucket holds this much time's worth of tokens


class TokenBucket:
    def __init__(self, rate_per_second: float) -> None:
        self.rate = rate_per_second
        self.capacity = max(1.0, rate_per_second * BURST_SECONDS)
        self._tokens = self.capacity
        self._updated = time.monotonic()

    async def take(self) -> None:
        """Wait until a token is available, then take it."""
        while True:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) / self.rate)


class SenderRateLimits:
    """One token bucket per sender ID: the throughput a carrier allows each sender ID
    (Indian operators cap promotional and transactional headers separately)."""

    def __init__(self, rate_per_second: float) -> None:
        self.rate = rate_per_second
        self._buckets: dict[str, TokenBucket] = {}

    async def take(self, sender_id: str) -> None:
        bucket = self._buckets.get(sender_id)
        if bucket is None:
            bucket = self._buckets[sender_id] = TokenBucket(self.rate)
        await bucket.take()
