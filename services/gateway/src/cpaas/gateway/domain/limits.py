"""Per-account submit rate (token bucket) and the invalid-key throttle per client address:
in-memory rules of this process (the prepaid credit check's balances are in store.py).

Rate: each API key (one per account) has a bucket of `rate` tokens refilled at `rate`
per second; a submit takes one or is refused 429 with Retry-After. Buckets live in this
process, so N gateway replicas allow N x rate in total: set the rate per replica.

Invalid keys: each client address has a bucket of `limit` failures refilled at `limit` a
minute; a request with a missing or unknown API key takes one. While an address's bucket
is empty, its requests are answered 429 with Retry-After before the key is looked up,
unless the key is one this gateway already holds as valid (in its cache): a guesser is
held to `limit` guesses a minute, a client whose own key works is not slowed, and a
throttled address cannot tell a valid key from an invalid one (both 429) unless the
valid key is in the cache, which needs a key that works. Buckets live in this process
(N replicas allow N x limit), at most MAX_THROTTLED_ADDRESSES of them.
"""

import math
import time

from cpaas.contracts import ErrorCode
from cpaas.contracts.errors import ApiError


class RateLimiter:
    def __init__(self, default_rate: int) -> None:
        self.default_rate = default_rate
        self._buckets: dict[int, list[float]] = {}  # account -> [tokens, last refill]

    def take(self, account_id: int, rate: int | None) -> None:
        rate = rate or self.default_rate
        now = time.monotonic()
        bucket = self._buckets.get(account_id)
        if bucket is None:
            bucket = self._buckets[account_id] = [float(rate), now]
        tokens = min(float(rate), bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            retry_after = max(1, math.ceil((1.0 - tokens) / rate))
            raise ApiError(
                ErrorCode.RATE_LIMITED,
                f"over {rate} submits a second for this API key; slow down",
                headers={"Retry-After": str(retry_after)},
            )
        bucket[0] = tokens - 1.0


MAX_THROTTLED_ADDRESSES = 100_000  # buckets kept; past it full ones (no recent failure) are dropped
SECONDS_PER_MINUTE = 60.0


class InvalidKeyThrottle:
    def __init__(self, limit_per_minute: int) -> None:
        self.capacity = float(limit_per_minute)
        self.rate = limit_per_minute / SECONDS_PER_MINUTE  # failures a second given back
        self._buckets: dict[str, list[float]] = {}  # address -> [failures left, last refill]

    def retry_after(self, address: str) -> int | None:
        """None when `address` may try a key not known valid; else the seconds to wait."""
        bucket = self._buckets.get(address)
        if bucket is None:
            return None
        tokens = self._refill(bucket)
        if tokens >= 1.0:
            return None
        return max(1, math.ceil((1.0 - tokens) / self.rate))

    def failed(self, address: str) -> None:
        """One request from `address` had a missing or unknown key."""
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= MAX_THROTTLED_ADDRESSES:
                self._forget_full()
            bucket = self._buckets[address] = [self.capacity, time.monotonic()]
        bucket[0] = max(0.0, self._refill(bucket) - 1.0)

    def _refill(self, bucket: list[float]) -> float:
        now = time.monotonic()
        bucket[0] = min(self.capacity, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        return bucket[0]

    def _forget_full(self) -> None:
        """Drop the buckets that refilled (no failure for a while); if none did, the oldest half."""
        for address in [a for a, b in self._buckets.items() if self._refill(b) >= self.capacity]:
            del self._buckets[address]
        if len(self._buckets) >= MAX_THROTTLED_ADDRESSES:
            for address in list(self._buckets)[: MAX_THROTTLED_ADDRESSES // 2]:
                del self._buckets[address]
