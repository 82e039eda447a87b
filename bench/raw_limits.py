"""Raw SMPP limits of the sandbox SMSC, next to which bench/submit.py prints the platform's
end-to-end figures: one bind of the connector's own asyncio session (the client the
sms-connector uses, bench/smpp_client.py compares it with smpp34), no Kafka, no database.

- saturation: submit_sm with a window in flight, receipts flowing (delay 0) and acknowledged:
  the sandbox's own submit rate on this machine, now;
- round trip at a fixed rate, open loop: submit_sm -> its deliver_sm receipt, p50 / p99 (the
  floor of the platform's submit -> DELIVERED, less its Kafka hops and its HTTP submit).
"""

import asyncio
import re
import statistics
import time
from collections.abc import Callable

import smpp34

from cpaas.sms_connector.providers.smpp.model import Segment
from cpaas.sms_connector.providers.smpp.pdu import relative_time
from cpaas.sms_connector.providers.smpp.session import SmppSession

SYSTEM_ID, PASSWORD = "cpaas", "localdev"
RECIPIENT, SENDER = "919876543210", "ACMEIN"
TEXT = b"Your OTP is 482913. Do not share it."
DLT_TLVS = ((0x1400, b"1101234567890123456"), (0x1401, b"1107161234567890123"))
RECEIPT_ID = re.compile(rb"id:(\S+)")


class Bind:
    def __init__(self, session: SmppSession) -> None:
        self.session = session
        self.receipts: dict[str, float] = {}
        self.segment = Segment(RECIPIENT, SENDER, TEXT, 0, 0, DLT_TLVS)
        self.validity = relative_time(48 * 3600)

    def on_deliver(self, deliver: smpp34.DeliverSm, ack: Callable[[], None]) -> None:
        if match := RECEIPT_ID.search(bytes(deliver.short_message)):
            self.receipts.setdefault(match.group(1).decode(), time.perf_counter())
        ack()

    async def submit(self) -> str | None:
        status, message_id = await self.session.submit(self.segment, self.validity)
        return message_id if status == 0 else None


async def _bind(port: int) -> tuple[Bind, asyncio.Task]:
    session = await SmppSession.bind_transceiver(
        "127.0.0.1",
        port,
        system_id=SYSTEM_ID,
        password=PASSWORD,
        system_type="",
        timeout_seconds=5,
        response_timeout_seconds=10,
        enquire_link_seconds=30,
        inbound_capacity=100_000,
    )
    bind = Bind(session)
    return bind, asyncio.create_task(session.serve(bind.on_deliver))


async def smpp_limits(port: int, *, messages: int, window: int, rate: int, seconds: float) -> dict:
    bind, reader = await _bind(port)
    try:
        gate = asyncio.Semaphore(window)

        async def windowed() -> str | None:
            async with gate:
                return await bind.submit()

        await asyncio.gather(*(windowed() for _ in range(min(500, messages))))  # warm-up
        started = time.perf_counter()
        ids = await asyncio.gather(*(windowed() for _ in range(messages)))
        saturation = sum(1 for i in ids if i) / (time.perf_counter() - started)
        await asyncio.sleep(1)

        sent: dict[str, float] = {}

        async def one() -> None:
            t0 = time.perf_counter()
            if message_id := await bind.submit():
                sent[message_id] = t0

        tasks, begin = [], time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 10
        while any(m not in bind.receipts for m in sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        latencies = sorted((bind.receipts[m] - t) * 1000 for m, t in sent.items() if m in bind.receipts)
    finally:
        await bind.session.unbind(2)
        await reader
    return {
        "saturation_per_s": saturation,
        "rate": rate,
        "sent": len(sent),
        "receipts": len(latencies),
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan"),
    }
