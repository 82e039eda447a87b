"""SMPP client figures: smpp34 (Rust core) against the connector's own asyncio session,
against one sandbox SMSC process, in the same run.

The sms-connector left smpp34's client because smpp34 answers every deliver_sm itself
as it reads it (a receipt read but not stored is lost on a crash) and has no query_sm;
the project keeps its own session only if it is not slower. Per client, alternately,
`--rounds` times:

1. saturation: `--messages` submit_sm with `--window` in flight on one bind, receipts
   flowing (registered_delivery 1, sandbox receipt delay 0) and acknowledged: submits/s,
   and this process's CPU time per message (submit, response, receipt, its ack);
2. fixed rate: `--rate`/s for `--seconds`, open loop: submit_sm -> submit_sm_resp latency
   p50 / p99.

smpp34 sets no TCP_NODELAY; it is set here after the bind by finding its socket in
/proc (as the connector had to), else its figures would measure Nagle's algorithm.

Run: uv run python bench/smpp_client.py [--messages 10000] [--window 50] [--rate 500]
"""

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import smpp34

from cpaas.local.processes import spawn, stop, wait_for_port
from cpaas.sms_connector.providers.smpp.model import Segment
from cpaas.sms_connector.providers.smpp.pdu import relative_time
from cpaas.sms_connector.providers.smpp.session import SmppSession

SYSTEM_ID, PASSWORD = "cpaas", "localdev"
RECIPIENT, SENDER = "919876543210", "ACMEIN"
TEXT = b"Your OTP is 482913. Do not share it."
DLT_TLVS = ((0x1400, b"1101234567890123456"), (0x1401, b"1107161234567890123"))
VALIDITY = relative_time(48 * 3600)
RECEIPT_WAIT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def set_nodelay_towards(port: int) -> None:
    """TCP_NODELAY on this process's sockets connected to 127.0.0.1:port (smpp34's)."""
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError, ValueError):
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            dup = socket.fromfd(int(fd), socket.AF_INET, socket.SOCK_STREAM)
            try:
                if dup.type == socket.SOCK_STREAM and dup.getpeername()[:2] == ("127.0.0.1", port):
                    dup.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            finally:
                dup.close()


@dataclass
class Client:
    """One bound transceiver: `submit()` one message, `receipts` counted as they come."""

    name: str
    submit: Callable[[], Awaitable[bool]]
    close: Callable[[], Awaitable[None]]
    receipts: list[int]  # one counter, shared with the reader


async def smpp34_client(port: int, window: int) -> Client:
    client = smpp34.Client(
        "127.0.0.1", port, SYSTEM_ID, PASSWORD, bind_type="TRX", window_size=window, inbound_capacity=100_000
    )
    session = await client.connect()
    set_nodelay_towards(port)
    receipts = [0]
    tlvs = [smpp34.Tlv(tag, value) for tag, value in DLT_TLVS]

    async def read() -> None:
        while isinstance(await session.next(), smpp34.DeliverSmEvent):
            receipts[0] += 1  # answered by the core as it was read

    reader = asyncio.create_task(read())

    async def submit() -> bool:
        resp = await session.submit_sm(
            RECIPIENT,
            TEXT,
            source_addr=SENDER,
            source_addr_ton=5,
            dest_addr_ton=1,
            dest_addr_npi=1,
            registered_delivery=1,
            validity_period=VALIDITY,
            tlvs=tlvs,
        )
        return resp.is_success

    async def close() -> None:
        with contextlib.suppress(smpp34.SmppError):
            await session.unbind()
        await client.stop()
        reader.cancel()

    return Client("smpp34 1.5 (Rust core)", submit, close, receipts)


async def own_client(port: int, window: int) -> Client:
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
    receipts = [0]

    def on_deliver(_deliver: smpp34.DeliverSm, ack: Callable[[], None]) -> None:
        receipts[0] += 1
        ack()  # the connector acknowledges after its commit; here at once, as smpp34 does

    reader = asyncio.create_task(session.serve(on_deliver))
    segment = Segment(RECIPIENT, SENDER, TEXT, 0, 0, DLT_TLVS)

    async def submit() -> bool:
        status, message_id = await session.submit(segment, VALIDITY)
        return status == 0 and message_id is not None

    async def close() -> None:
        await session.unbind(2)
        await reader

    return Client("own asyncio session (smpp34 codec)", submit, close, receipts)


async def saturation(client: Client, messages: int, window: int) -> dict:
    gate = asyncio.Semaphore(window)
    accepted = 0

    async def one() -> None:
        nonlocal accepted
        async with gate:
            ok = await client.submit()
        accepted += ok

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(messages)))
    submit_seconds = time.perf_counter() - wall
    deadline = time.perf_counter() + RECEIPT_WAIT_SECONDS
    while client.receipts[0] < accepted and time.perf_counter() < deadline:
        await asyncio.sleep(0.001)
    return {
        "accepted": accepted,
        "receipts": client.receipts[0],
        "per_s": messages / submit_seconds,
        "cpu_us": (time.process_time() - cpu) / messages * 1e6,
    }


async def fixed_rate(client: Client, rate: int, seconds: float) -> dict:
    latencies: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        await client.submit()
        latencies.append((time.perf_counter() - started) * 1000)

    tasks, begin = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    latencies.sort()
    return {"p50_ms": statistics.median(latencies), "p99_ms": latencies[int(len(latencies) * 0.99) - 1]}


async def measure(port: int, args: argparse.Namespace) -> list[tuple[str, dict]]:
    rows = []
    for _ in range(args.rounds):
        for make in (smpp34_client, own_client):
            client = await make(port, args.window)
            try:
                await saturation(client, min(1000, args.messages), args.window)  # warm up (waits its receipts)
                client.receipts[0] = 0
                figures = await saturation(client, args.messages, args.window)
                await asyncio.sleep(0.5)
                figures |= await fixed_rate(client, args.rate, args.seconds)
            finally:
                await client.close()
            rows.append((client.name, figures))
            print(f"  {client.name}: {figures}", flush=True)
            await asyncio.sleep(1)  # the sandbox drains what is left
    return rows


def report(rows: list[tuple[str, dict]], args: argparse.Namespace) -> None:
    print(
        f"\nSMPP client, one bind, window {args.window}, receipts flowing (sandbox delay 0), same sandbox process;"
        f" saturation {args.messages:,} messages, fixed rate {args.rate}/s for {args.seconds:g} s:"
    )
    print(f"  {'client':<36} {'submits/s':>10} {'CPU us/msg':>11} {'p50 ms':>8} {'p99 ms':>8}  receipts")
    for name in dict.fromkeys(name for name, _ in rows):
        mine = [f for n, f in rows if n == name]
        for f in mine:
            print(
                f"  {name:<36} {f['per_s']:>10,.0f} {f['cpu_us']:>11.0f} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f}"
                f"  {f['receipts']:,}/{f['accepted']:,}"
            )
    own = [f for n, f in rows if n.startswith("own")]
    rust = [f for n, f in rows if n.startswith("smpp34")]
    if own and rust:
        best = lambda figures, key, pick: pick(f[key] for f in figures)  # noqa: E731
        print(
            f"  ratio own/smpp34 (best rounds): submits/s {best(own, 'per_s', max) / best(rust, 'per_s', max):.2f},"
            f" CPU per message {best(own, 'cpu_us', min) / best(rust, 'cpu_us', min):.2f},"
            f" p99 {best(own, 'p99_ms', min) / best(rust, 'p99_ms', min):.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    smpp_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "CPAAS_SANDBOX_SMPP_PORT": str(smpp_port),
        "CPAAS_SANDBOX_HTTP_PORT": str(http_port),
        "CPAAS_SANDBOX_RECEIPT_DELAY_SECONDS": "0",
        "CPAAS_SANDBOX_SERVE_CHANNEL_APIS": "false",
        "CPAAS_LOG_LEVEL": "WARNING",
    }
    log_file = Path(tempfile.mkdtemp(prefix="cpaas-bench-smpp-")) / "sandbox.log"
    sandbox = spawn([sys.executable, "-m", "cpaas.sandbox"], env=env, log_file=log_file)
    try:
        wait_for_port(smpp_port, 60, sandbox, "sandbox")
        rows = asyncio.run(measure(smpp_port, args))
    finally:
        stop(sandbox)
    report(rows, args)


if __name__ == "__main__":
    main()
