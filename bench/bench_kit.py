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
