"""The submit rate shared by replicas (domain/limits.py): leasing slices of one bucket,
with a fake of the bucket that store.SubmitBudgets keeps in PostgreSQL."""

import asyncio

import pytest

from cpaas.contracts import ErrorCode
from cpaas.contracts.errors import ApiError
from cpaas.gateway.domain.limits import FALLBACK_SECONDS, LEASE_SECONDS, RateLimiter, lease_slice


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SharedBucket:
    """The shared bucket's rule (store._LEASE) on the test's clock: refill at `rate` a
    second up to `rate`, then up to `want` whole tokens taken."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.buckets: dict[int, tuple[float, float]] = {}
        self.leases: list[tuple[int, int]] = []  # (account, want)
        self.delay = 0.0
        self.fail = False

    async def lease(self, account_id: int, want: int, rate: int) -> tuple[int, float]:
        self.leases.append((account_id, want))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise ConnectionRefusedError("PostgreSQL is away")
        tokens, at = self.buckets.get(account_id, (float(rate), self.clock.now))
        available = min(float(rate), tokens + max(0.0, self.clock.now - at) * rate)
        granted = min(want, int(available))
        self.buckets[account_id] = (available - granted, self.clock.now)
        return granted, available - granted


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bucket(clock: Clock) -> SharedBucket:
    return SharedBucket(clock)


async def accepted(limiter: RateLimiter, n: int, account: int = 1, rate: int = 100) -> int:
    count = 0
    for _ in range(n):
        try:
            await limiter.take(account, rate)
            count += 1
        except ApiError as error:
            assert error.code is ErrorCode.RATE_LIMITED
    return count


def test_a_lease_is_a_tenth_of_the_rate_and_at_least_one_token() -> None:
    assert (lease_slice(1000), lease_slice(100), lease_slice(5), lease_slice(1)) == (100, 10, 1, 1)


async def test_a_replica_serves_a_whole_slice_from_one_lease(clock, bucket) -> None:
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    assert await accepted(limiter, 10) == 10
    assert bucket.leases == [(1, 10)]
    assert await accepted(limiter, 1) == 1
    assert bucket.leases == [(1, 10), (1, 10)]


async def test_a_replica_alone_gets_the_full_rate_and_no_more(clock, bucket) -> None:
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    total = 0
    for _ in range(100):  # 10 s in steps of 0.1 s, 30 submits offered per step (3 x the rate)
        total += await accepted(limiter, 30)
        clock.now += 0.1
    assert 100 + 10 * 100 - 10 <= total <= 100 + 10 * 100  # the full bucket, then 100 a second


async def test_an_empty_bucket_is_refused_locally_until_a_slice_has_refilled(clock, bucket) -> None:
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    assert await accepted(limiter, 100) == 100  # the whole bucket
    leases = len(bucket.leases)
    with pytest.raises(ApiError) as refused:
        await limiter.take(1, 100)  # the lease finds it empty
    assert refused.value.headers == {"Retry-After": "1"}
    assert await accepted(limiter, 50) == 0
    assert len(bucket.leases) == leases + 1  # a flood does not ask PostgreSQL per submit
    clock.now += 0.1  # a slice (10 at 100/s) is back
    assert await accepted(limiter, 10) == 10
    assert len(bucket.leases) == leases + 2


async def test_two_replicas_together_stay_within_the_rate(clock, bucket) -> None:
    replicas = [RateLimiter(1000, lease=bucket.lease, clock=clock) for _ in range(2)]
    total = 0
    for _ in range(100):  # 10 s, each replica offered 30 a step (6 x the rate together)
        for replica in replicas:
            total += await accepted(replica, 30)
        clock.now += 0.1
    assert total <= 100 + 10 * 100  # the bucket's capacity and 10 s of refill: not 2 x
    assert total >= 100 + 10 * 100 - 2 * 10  # less at most a slice each


async def test_leased_tokens_not_used_within_a_second_are_dropped(clock, bucket) -> None:
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    assert await accepted(limiter, 1) == 1
    clock.now += LEASE_SECONDS
    assert await accepted(limiter, 1) == 1
    assert len(bucket.leases) == 2  # the 9 left of the first slice were not used


async def test_concurrent_submits_of_one_account_wait_on_one_lease(clock, bucket) -> None:
    bucket.delay = 0.01
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    await asyncio.gather(*(limiter.take(1, 100) for _ in range(10)))
    assert bucket.leases == [(1, 10)]


async def test_each_account_has_its_own_bucket(clock, bucket) -> None:
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    assert await accepted(limiter, 150, account=1) == 100
    assert await accepted(limiter, 150, account=2) == 100


async def test_without_postgresql_a_replica_limits_on_its_own_then_leases_again(clock, bucket) -> None:
    bucket.fail = True
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    assert await accepted(limiter, 150) == 100  # its own bucket of the full rate
    assert len(bucket.leases) == 1  # not a lease per submit while PostgreSQL is away
    bucket.fail = False
    clock.now += FALLBACK_SECONDS
    assert await accepted(limiter, 1) == 1
    assert len(bucket.leases) == 2


async def test_a_concurrent_burst_gets_the_whole_bucket_in_a_few_leases(clock, bucket) -> None:
    bucket.delay = 0.01
    limiter = RateLimiter(1000, lease=bucket.lease, clock=clock)
    answers = await asyncio.gather(*(limiter.take(1, 5) for _ in range(12)), return_exceptions=True)
    assert sum(1 for a in answers if a is None) == 5  # a slice is 1 token at 5/s: not 1 accepted per lease
    assert all(isinstance(a, ApiError) and a.code is ErrorCode.RATE_LIMITED for a in answers if a is not None)
    assert len(bucket.leases) <= 3
