import asyncio
import time

from cpaas.sms_connector.providers.smpp.rate import SenderRateLimits


async def test_each_sender_id_is_held_to_its_own_rate() -> None:
    limits = SenderRateLimits(rate_per_second=50)  # a burst of 5, then 50 a second
    started = time.monotonic()
    await asyncio.gather(*(limits.take("BRANDA") for _ in range(15)))
    brand_a = time.monotonic() - started
    started = time.monotonic()
    await asyncio.gather(*(limits.take("BRANDB") for _ in range(5)))  # another sender: its own burst
    brand_b = time.monotonic() - started
    assert brand_a >= 0.18  # 10 tokens past the burst at 50/s take about 0.2 s
    assert brand_b < 0.05
