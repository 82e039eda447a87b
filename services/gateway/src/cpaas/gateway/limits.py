"""Per-account submit rate (token bucket) and the prepaid credit check.

Rate: each API key (one per account) has a bucket of `rate` tokens refilled at `rate`
per second; a submit takes one or is refused 429 with Retry-After. Buckets live in this
process, so N gateway replicas allow N x rate in total: set the rate per replica.

Credit: a submit is refused 402 while the account's balance is not above zero. The
balance comes from billing's table, cached for at most `balance_ttl_seconds` and updated
at once by billing's NOTIFY on 'cpaas_billing' ('<account id>:<balance minor>'). Charges
are applied when carriers accept messages, so an account can overdraw by what it
submits between its balance reaching zero and the gateway learning it: the messages
already in flight (queued in Kafka or at the carrier) plus at most the NOTIFY latency
(milliseconds) of new submits. README, "Prepaid balance", states the bound.
"""

import math
import time

import asyncpg

from cpaas.contracts import ErrorCode
from cpaas.platform.api_errors import ApiError


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


class Balances:
    def __init__(self, pool: asyncpg.Pool, ttl: float) -> None:
        self.pool, self.ttl = pool, ttl
        self._cache: dict[int, tuple[int, float]] = {}

    def on_notify(self, payload: str) -> None:
        account, _, balance = payload.partition(":")
        if account.isdigit() and balance.lstrip("-").isdigit():
            self._cache[int(account)] = (int(balance), time.monotonic() + self.ttl)

    def clear(self) -> None:
        self._cache.clear()

    async def balance(self, account_id: int) -> int:
        cached = self._cache.get(account_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        value = (
            await self.pool.fetchval("SELECT balance_minor FROM billing.balances WHERE account_id = $1", account_id)
            or 0
        )
        self._cache[account_id] = (value, time.monotonic() + self.ttl)
        return value

    async def check(self, account_id: int) -> None:
        if await self.balance(account_id) <= 0:
            raise ApiError(
                ErrorCode.INSUFFICIENT_BALANCE, "the account's prepaid balance is used up; ask your admin to add credit"
            )
