"""The invalid-key throttle's bucket per address."""

import time

from cpaas.gateway.domain import limits
from cpaas.gateway.domain.limits import InvalidKeyThrottle


def test_an_address_is_refused_after_its_limit_and_recovers_at_the_limits_rate(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    throttle = InvalidKeyThrottle(20)
    for _ in range(20):
        assert throttle.retry_after("198.51.100.9") is None
        throttle.failed("198.51.100.9")
    assert throttle.retry_after("198.51.100.9") == 3  # one failure back every 60/20 s
    assert throttle.retry_after("198.51.100.10") is None
    now[0] += 3.0
    assert throttle.retry_after("198.51.100.9") is None
    throttle.failed("198.51.100.9")
    assert throttle.retry_after("198.51.100.9") == 3


def test_the_number_of_addresses_kept_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_THROTTLED_ADDRESSES", 100)
    throttle = InvalidKeyThrottle(1)
    for i in range(1000):
        throttle.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(throttle._buckets) <= 100
    assert throttle.retry_after("10.0.3.231") is not None  # the newest are kept
