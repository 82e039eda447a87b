"""Raw Kafka and PostgreSQL figures on this machine, next to LOCAL-INFRA.md's.

Kafka through aiokafka, 200-byte JSON values, acks=all, idempotent producer:
pipelined produce, awaited produce with 64 concurrent senders and with one sender,
and consume with getmany. PostgreSQL through asyncpg: one transaction per charge
(ledger insert ON CONFLICT DO NOTHING, then debit one hot balance row; 8 concurrent)
and executemany bulk insert. Each figure is the median of RUNS runs.

Run: uv run python bench/infra.py   (starts the test servers if they are not running)
"""

import asyncio
import json
import logging
import statistics
import time
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from cpaas.local.infra import LocalInfra
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.platform.kafka_admin import ensure_topics

RUNS = 3
PRODUCE_COUNT = 50_000
AWAITED_COUNT = 10_000
SINGLE_COUNT = 1_000
CONCURRENT_SENDERS = 64
PG_TX_COUNT = 4_000
PG_TX_CONCURRENCY = 8
PG_BULK_ROWS = 100_000
REFERENCE = {  # LOCAL-INFRA.md
    "kafka produce pipelined (msg/s)": 29_000,
    "kafka send_and_wait x64 (msg/s)": 18_600,
    "kafka send_and_wait x1 (msg/s)": 570,
    "kafka consume getmany (msg/s)": 136_000,
    "pg one tx per charge x8 (tx/s)": 1_700,
    "pg executemany (rows/s)": 197_000,
}
VALUE = json.dumps(
    {
        "messageId": "msg_" + "X" * 26,
        "accountId": 1,
        "status": "DELIVERED",
        "recipient": "+919876543210",
        "pad": "p" * 90,
    }
).encode()[:200]


def producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=0)


async def produce_pipelined(bootstrap: str, topic: str) -> float:
    p = producer(bootstrap)
    await p.start()
    try:
        started = time.perf_counter()
        futures = [await p.send(topic, VALUE, key=str(i).encode()) for i in range(PRODUCE_COUNT)]
        await asyncio.gather(*futures)
        return PRODUCE_COUNT / (time.perf_counter() - started)
    finally:
        await p.stop()


async def produce_awaited(bootstrap: str, topic: str, senders: int, count: int) -> float:
    p = producer(bootstrap)
    await p.start()
    try:
        per_sender = count // senders

        async def sender(n: int) -> None:
            for i in range(per_sender):
                await p.send_and_wait(topic, VALUE, key=f"{n}-{i}".encode())

        started = time.perf_counter()
        await asyncio.gather(*(sender(n) for n in range(senders)))
        return per_sender * senders / (time.perf_counter() - started)
    finally:
        await p.stop()


async def consume(bootstrap: str, topic: str, expected: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    try:
        seen = 0
        batch = await consumer.getmany(timeout_ms=5000, max_records=1)  # the group join; not timed
        seen += sum(len(v) for v in batch.values())
        started = time.perf_counter()
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=2000)
            count = sum(len(v) for v in batch.values())
            if count == 0:
                break
            seen += count
            await consumer.commit()
        return (seen - 1) / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def pg_charges(dsn: str) -> float:
    pool = await asyncpg.create_pool(dsn, min_size=PG_TX_CONCURRENCY, max_size=PG_TX_CONCURRENCY)
    try:
        await pool.execute(
            "DROP TABLE IF EXISTS bench_ledger, bench_balance;"
            "CREATE TABLE bench_ledger (message_id text, attempt int, amount bigint,"
            " PRIMARY KEY (message_id, attempt));"
            "CREATE TABLE bench_balance (account_id int PRIMARY KEY, balance bigint);"
            "INSERT INTO bench_balance VALUES (1, 1000000000)"
        )
        per_worker = PG_TX_COUNT // PG_TX_CONCURRENCY

        async def worker(n: int) -> None:
            async with pool.acquire() as conn:
                for i in range(per_worker):
                    async with conn.transaction():
                        done = await conn.execute(
                            "INSERT INTO bench_ledger VALUES ($1, 1, 25) ON CONFLICT DO NOTHING", f"{n}-{i}"
                        )
                        if done.endswith("1"):
                            await conn.execute("UPDATE bench_balance SET balance = balance - 25 WHERE account_id = 1")

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(PG_TX_CONCURRENCY)))
        return per_worker * PG_TX_CONCURRENCY / (time.perf_counter() - started)
    finally:
        await pool.close()


async def pg_bulk(dsn: str) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows (id bigint, v text, n int)")
        rows = [(i, "value", i % 7) for i in range(PG_BULK_ROWS)]
        started = time.perf_counter()
        await conn.executemany("INSERT INTO bench_rows VALUES ($1, $2, $3)", rows)
        return PG_BULK_ROWS / (time.perf_counter() - started)
    finally:
        await conn.close()


async def one_run(infra: LocalInfra) -> dict[str, float]:
    bootstrap = infra.settings.kafka_bootstrap
    topic, awaited_topic = f"bench.{uuid.uuid4().hex[:8]}", f"bench.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_settings(), {topic: 6, awaited_topic: 6})
    await asyncio.sleep(1)  # let the new partitions elect their leader before timing
    figures = {
        "kafka produce pipelined (msg/s)": await produce_pipelined(bootstrap, topic),
        "kafka send_and_wait x64 (msg/s)": await produce_awaited(
            bootstrap, awaited_topic, CONCURRENT_SENDERS, AWAITED_COUNT
        ),
        "kafka send_and_wait x1 (msg/s)": await produce_awaited(bootstrap, awaited_topic, 1, SINGLE_COUNT),
    }
    figures["kafka consume getmany (msg/s)"] = await consume(bootstrap, topic, PRODUCE_COUNT)
    figures["pg one tx per charge x8 (tx/s)"] = await pg_charges(infra.settings.pg_dsn)
    figures["pg executemany (rows/s)"] = await pg_bulk(infra.settings.pg_dsn)
    return figures


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    infra = LocalInfra(infra_settings_for_tests())
    infra.start(reuse=True)
    try:
        runs = []
        for n in range(RUNS):
            runs.append(asyncio.run(one_run(infra)))
            print(f"run {n + 1}/{RUNS} done", flush=True)
    finally:
        infra.stop()
    print("\n(test servers: PostgreSQL runs with fsync off, so its figures are an upper bound)")
    print(f"\n{'figure':<34}{'median':>12}{'LOCAL-INFRA':>14}{'ratio':>8}")
    for name, reference in REFERENCE.items():
        median = statistics.median(run[name] for run in runs)
        print(f"{name:<34}{median:>12,.0f}{reference:>14,}{median / reference:>8.2f}")


if __name__ == "__main__":
    main()
