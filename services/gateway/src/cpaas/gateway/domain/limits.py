"""Per-account submit rate, shared by every gateway replica, and the invalid-key throttle
per client address (in-memory, per process). The prepaid credit check's balances are in
store.py.

Rate: each account has one token bucket of `rate` tokens refilled at `rate` a second,
kept in PostgreSQL (`gateway.submit_budgets`, store.SubmitBudgets) so that all replicas
draw on the same bucket. A replica does not ask PostgreSQL per submit: it leases a slice
of the bucket (LEASE_SLICE_FRACTION of the rate, at least 1 token) in one statement and
serves submits from it in memory; leased tokens it has not used within LEASE_SECONDS are
dropped (not given back). A lease asks for more than a slice when more submits of the
account wait on the lease before it (a burst; up to the rate), and those take them at
once. When the bucket cannot fill what a lease asked, the replica refuses locally (429
RATE_LIMITED with Retry-After) until a slice could have refilled, so a flood above the
rate costs at most 1 / LEASE_SLICE_FRACTION leases a second per replica.

The bound: over any span of T seconds the replicas together accept at most
rate x (1 + T) from the bucket (as one process did before) plus what they held unused in
leases at its start, about a slice each (N replicas: rate x (1 + T + N / 10)). A replica
alone still gets the full rate. Cost: a lease per slice (at most about 10 a second per
account per replica at full rate) and one per active account and LEASE_SECONDS per
replica; concurrent submits of one account wait on the same lease.

If a lease fails (PostgreSQL unreachable or slower than LEASE_TIMEOUT_SECONDS), the
replica limits on its own for FALLBACK_SECONDS, with an in-process bucket of the full rate
(N replicas then allow N x rate), rather than refusing or stalling submits.

Invalid keys: each client address has a bucket of `limit` failures refilled at `limit` a
minute; a request with a missing or unknown API key takes one. While an address's bucket
is empty, its requests are answered 429 with Retry-After before the key is looked up,
unless the key is one this gateway already holds as valid (in its cache): a guesser is
held to `limit` guesses a minute, a client whose own key works is not slowed, and a
throttled address cannot tell a valid key from an invalid one (both 429) unless the
valid key is in the cache, which needs a key that works. Buckets live in this process
(N replicas allow N x limit), at most MAX_THROTTLED_ADDRESSES of them.
"""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cpaas.contracts import ErrorCode
from cpaas.contracts.errors import ApiError

log = logging.getLogger(__name__)
LEASE_SLICE_FRACTION = 0.1  # of the account's rate a second, leased at once (at least 1 token)
LEASE_SECONDS = 1.0  # leased tokens not used by then are dropped
LEASE_TIMEOUT_SECONDS = 1.0  # a lease slower than this counts as failed
FALLBACK_SECONDS = 5.0  # after a failed lease, limit in-process this long before leasing again
MAX_LEASES_PER_TAKE = 3  # a submit whose lease was used up by concurrent ones asks again at most this often

# (account id, tokens wanted, rate a second) -> (tokens granted, tokens left in the shared bucket)
Lease = Callable[[int, int, int], Awaitable[tuple[int, float]]]


def lease_slice(rate: int) -> int:
    """Tokens a replica leases at once for an account of `rate` submits a second."""
    return max(1, int(rate * LEASE_SLICE_FRACTION))


@dataclass
class Held:
    """What this replica holds of one account's shared bucket."""

    tokens: int = 0
    expires_at: float = 0.0  # monotonic: `tokens` are dropped then
    next_lease_at: float = 0.0  # monotonic: refuse locally before this (the bucket could not fill a slice)
    leasing: asyncio.Future | None = None
    waiting: int = 0  # submits waiting on `leasing`: the next lease asks for at least as many

    def take(self, now: float) -> bool:
        if self.tokens > 0 and now < self.expires_at:
            self.tokens -= 1
            return True
        return False

    def granted(self, asked_at: float, want: int, granted: int, left: float, rate: int) -> None:
        """A lease asked at `asked_at` (monotonic, before the statement ran: conservative)."""
        self.tokens, self.expires_at = granted, asked_at + LEASE_SECONDS
        short = granted < want  # the bucket is empty: wait until a whole slice could be back
        self.next_lease_at = asked_at + (lease_slice(rate) - left) / rate if short else asked_at


def rate_limited(rate: int, wait_seconds: float) -> ApiError:
    return ApiError(
        ErrorCode.RATE_LIMITED,
        f"over {rate} submits a second for this API key; slow down",
        headers={"Retry-After": str(max(1, math.ceil(wait_seconds)))},
    )


class RateLimiter:
    """The per-account submit rate across replicas (module docstring). `lease` draws tokens
    from the shared bucket; without one (tests, a single process) only the local bucket is used."""

    def __init__(
        self, default_rate: int, lease: Lease | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.default_rate = default_rate
        self._lease, self._clock = lease, clock
        self._held: dict[int, Held] = {}
        self._local = LocalBucket(clock)
        self._local_until = 0.0 if lease is not None else math.inf  # monotonic: limit in-process until then

    async def take(self, account_id: int, rate: int | None) -> None:
        """Returns when a submit may go on; raises 429 RATE_LIMITED otherwise. Suspends only
        when this replica holds no token of the account and must lease."""
        rate = rate or self.default_rate
        held = self._held.get(account_id)
        if held is None:
            held = self._held[account_id] = Held()
        for _ in range(MAX_LEASES_PER_TAKE):
            now = self._clock()
            if held.take(now):
                return
            if now < self._local_until:
                self._local.take(account_id, rate)
                return
            if now < held.next_lease_at:
                raise rate_limited(rate, held.next_lease_at - now)
            if held.leasing is None:
                want = min(rate, max(lease_slice(rate), held.waiting + 1))
                held.leasing = asyncio.ensure_future(self._lease_for(account_id, held, want, rate))
            held.waiting += 1
            try:
                await asyncio.shield(held.leasing)
            finally:
                held.waiting -= 1
        raise rate_limited(rate, LEASE_SECONDS)

    async def _lease_for(self, account_id: int, held: Held, want: int, rate: int) -> None:
        asked_at = self._clock()
        try:
            assert self._lease is not None
            async with asyncio.timeout(LEASE_TIMEOUT_SECONDS):
                granted, left = await self._lease(account_id, want, rate)
        except Exception:
            log.exception("could not lease submit tokens; limiting in this process for %.0fs", FALLBACK_SECONDS)
            self._local_until = self._clock() + FALLBACK_SECONDS
        else:
            held.granted(asked_at, want, granted, left, rate)
        finally:
            held.leasing = None


class LocalBucket:
    """Token buckets of this process only: `rate` tokens refilled at `rate` a second per account."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[int, list[float]] = {}  # account -> [tokens, last refill]

    def take(self, account_id: int, rate: int) -> None:
        now = self._clock()
        bucket = self._buckets.get(account_id)
        if bucket is None:
            bucket = self._buckets[account_id] = [float(rate), now]
        tokens = min(float(rate), bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            raise rate_limited(rate, (1.0 - tokens) / rate)
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
