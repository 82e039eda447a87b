"""What several benchmarks share: a scratch database of their own on the local PostgreSQL,
and the raw limit of consuming Kafka (a bare aiokafka consumer: no decoding, no database),
printed next to a service consumer's figure."""

import time
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer

from cpaas.local.infra import LocalInfra
from cpaas.platform.settings import KafkaSettings, PostgresSettings


async def fresh_database(infra: LocalInfra, prefix: str) -> PostgresSettings:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(infra.postgres.admin_dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return PostgresSettings(dsn=infra.postgres.admin_dsn(name), pool_min_size=1, pool_max_size=8)


async def drop_database(infra: LocalInfra, pg: PostgresSettings) -> None:
    admin = await asyncpg.connect(infra.postgres.admin_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{pg.dsn.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


async def raw_consume_rate(kafka: KafkaSettings, topics: list[str], expected: int) -> float:
    """Records/s a bare consumer reads `expected` records of `topics` at (from the first batch)."""
    consumer = AIOKafkaConsumer(
        *(kafka.topic(t) for t in topics),
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"bench-raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen, started = 0, None
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            n = sum(len(v) for v in batch.values())
            if n and started is None:
                started = time.perf_counter()
            seen += n
        return expected / (time.perf_counter() - started)
    finally:
        await consumer.stop()


# -- raw limits printed next to a service's figure, and the state of a bench's topics ------------------------------
async def raw_kafka_round_trip(bootstrap: str, topic: str, rate: int, seconds: float) -> dict:
    """Produce -> consume latency of one bare hop: a producer (acks=all, idempotent, linger 0)
    sends 200-byte records at `rate`/s, open loop, to `topic` (one the caller made), and a
    consumer of it timestamps each; p50 / p99 in ms, and the rate achieved."""
    import asyncio
    import statistics

    from aiokafka import AIOKafkaProducer

    sent: dict[bytes, float] = {}
    seen: dict[bytes, float] = {}
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"bench-rtt-{uuid.uuid4().hex[:6]}", auto_offset_reset="latest"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=0)
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():  # the group join, before the clock starts
            await consumer.getmany(timeout_ms=200)
        await consumer.seek_to_end()

        async def watch() -> None:
            while True:
                batch = await consumer.getmany(timeout_ms=100)
                now = time.perf_counter()
                for records in batch.values():
                    for record in records:
                        seen.setdefault(record.key, now)

        watcher = asyncio.create_task(watch())
        value = b"v" * 200
        begin, sends = time.perf_counter(), []
        for i in range(int(rate * seconds)):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            key = str(i).encode()
            sent[key] = time.perf_counter()
            sends.append(asyncio.ensure_future(producer.send_and_wait(topic, value, key=key)))
        await asyncio.gather(*sends)
        achieved = len(sent) / (time.perf_counter() - begin)
        deadline = time.perf_counter() + 10
        while len(seen) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        watcher.cancel()
    finally:
        await producer.stop()
        await consumer.stop()
    latencies = sorted((seen[k] - t) * 1000 for k, t in sent.items() if k in seen)
    return {
        "offered_per_s": rate,
        "achieved_per_s": achieved,
        "sent": len(sent),
        "seen": len(latencies),
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan"),
    }


async def consumer_lag(kafka: KafkaSettings, groups: list[str]) -> dict[str, int]:
    """Records not yet committed by each group on the topics of `kafka`'s prefix (end offset -
    committed offset, summed over partitions; a partition the group never committed counts whole)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    probe = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False)
    await admin.start()
    await probe.start()
    try:
        lags = {}
        for group in groups:
            committed = {
                tp: meta.offset
                for tp, meta in (await admin.list_consumer_group_offsets(group)).items()
                if tp.topic.startswith(kafka.topic_prefix)
            }
            if not committed:
                lags[group] = 0
                continue
            partitions = await _partitions(admin, sorted({tp.topic for tp in committed}))
            ends = await probe.end_offsets(partitions)
            begins = await probe.beginning_offsets(partitions)
            lags[group] = sum(
                end - max(committed.get(tp, begins[tp]), begins[tp]) for tp, end in ends.items() if end > 0
            )
        return lags
    finally:
        await probe.stop()
        await admin.close()


async def _partitions(admin, topics: list[str]) -> list:
    from aiokafka.structs import TopicPartition

    return [
        TopicPartition(d["topic"], p["partition"]) for d in await admin.describe_topics(topics) for p in d["partitions"]
    ]


async def delete_prefixed_topics(kafka: KafkaSettings) -> int:
    """Delete every topic of `kafka`'s bench prefix (a bench's own topics, never a shared one)."""
    from aiokafka.admin import AIOKafkaAdminClient

    if not kafka.topic_prefix.startswith("bench"):
        raise ValueError(f"refusing to delete topics of prefix {kafka.topic_prefix!r}")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(kafka.topic_prefix)]
        if names:
            await admin.delete_topics(names)
        return len(names)
    finally:
        await admin.close()
