"""The providers' redelivery schedule: exponential backoff, jitter, a horizon, a memory cap."""

import asyncio
import random

import pytest
from prometheus_client import Gauge

from cpaas.sandbox.rbm.settings import RbmSandboxSettings
from cpaas.sandbox.redelivery import Backoff, Redelivered, Redelivery
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings

RBM = Backoff(base_seconds=1.0, max_seconds=600.0, horizon_seconds=7 * 86400.0)


def test_pauses_double_up_to_the_cap() -> None:
    assert [RBM.ceiling(n) for n in range(1, 13)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]
    assert RBM.ceiling(10_000) == 600  # no overflow however long a webhook keeps failing


def test_jitter_keeps_each_pause_between_half_and_all_of_its_ceiling() -> None:
    rng = random.Random(7)
    pauses = [RBM.pause(4, rng) for _ in range(1000)]
    assert min(pauses) >= 4.0 and max(pauses) <= 8.0
    assert max(pauses) - min(pauses) > 3.0  # spread: failures that came together do not retry together


def test_seven_days_of_rbm_pauses_are_about_a_thousand_tries() -> None:
    """What the default schedule means: about 1,000 tries in 7 days, then the event is dropped."""
    elapsed, tries = 0.0, 1
    while elapsed + RBM.ceiling(tries) <= RBM.horizon_seconds:
        elapsed += RBM.ceiling(tries)
        tries += 1
    assert 1000 <= tries <= 1020


def test_the_defaults_are_the_providers_horizon() -> None:
    wa, rbm = WhatsAppSandboxSettings(), RbmSandboxSettings()
    assert wa.webhook_retry_horizon_seconds == rbm.webhook_retry_horizon_seconds == 7 * 86400
    assert rbm.webhook_retry_max_seconds == 600  # RBM: "increases the wait time up to 600 seconds"


def answers(*results: bool) -> tuple[list[int], object]:
    tried: list[int] = []

    async def post() -> bool:
        tried.append(1)
        return results[len(tried) - 1] if len(tried) <= len(results) else True

    return tried, post


async def test_a_webhook_is_tried_until_it_is_answered() -> None:
    redelivery = Redelivery(Backoff(0.01, 0.02, 30.0), max_waiting=10)
    tried, post = answers(False, False, False)
    assert await redelivery.deliver(post) is Redelivered.DELIVERED  # type: ignore[arg-type]
    assert len(tried) == 4
    assert redelivery.waiting == 0


async def test_a_webhook_failing_past_the_horizon_is_given_up() -> None:
    redelivery = Redelivery(Backoff(0.02, 0.05, 0.2), max_waiting=10)
    tried, post = answers(*([False] * 100))
    started = asyncio.get_running_loop().time()
    assert await redelivery.deliver(post) is Redelivered.EXPIRED  # type: ignore[arg-type]
    assert asyncio.get_running_loop().time() - started <= 0.25
    assert 3 <= len(tried) < 100


async def test_past_the_cap_a_failing_webhook_is_dropped_and_the_gauge_counts_the_waiting() -> None:
    gauge = Gauge("test_redelivery_waiting", "test")
    redelivery = Redelivery(Backoff(0.2, 0.2, 30.0), max_waiting=2, waiting_gauge=gauge)
    release = asyncio.Event()

    async def failing_until_released() -> bool:
        return release.is_set()

    waiting = [asyncio.create_task(redelivery.deliver(failing_until_released)) for _ in range(2)]
    await asyncio.sleep(0.05)
    assert redelivery.waiting == 2 and gauge._value.get() == 2
    assert await redelivery.deliver(failing_until_released) is Redelivered.DROPPED
    release.set()
    assert await asyncio.gather(*waiting) == [Redelivered.DELIVERED] * 2
    assert redelivery.waiting == 0 and gauge._value.get() == 0


@pytest.mark.parametrize("base", [0.0, -1.0])
def test_a_schedule_without_pauses_is_refused(base: float) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        WhatsAppSandboxSettings(webhook_retry_base_seconds=base)
