"""Pytest fixtures over the real Kafka and PostgreSQL the project starts.

The servers start once per test run (or are reused when already running on the test
ports) and stop at its end if this run started them. Each test gets its own topic
prefix (so its own topics) and its own database.
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from cpaas.local.infra import LocalInfra
from cpaas.local.settings import REPO_ROOT, LocalSettings
from cpaas.platform.kafka_admin import delete_topics, ensure_topics
from cpaas.platform.settings import KafkaSettings, PostgresSettings

TEST_PARTITIONS = 1  # a test's own topics; hundreds of tests x a dozen topics must stay light for one broker


def infra_settings_for_tests() -> LocalSettings:
    return LocalSettings(
        data_dir=Path(os.environ.get("CPAAS_TEST_DATA_DIR", REPO_ROOT / ".data" / "test-infra")),
        kafka_port=int(os.environ.get("CPAAS_TEST_KAFKA_PORT", "19092")),
        kafka_controller_port=int(os.environ.get("CPAAS_TEST_KAFKA_CONTROLLER_PORT", "19093")),
        pg_port=int(os.environ.get("CPAAS_TEST_PG_PORT", "15432")),
        pg_database="cpaas_test",
        pg_durable=False,
    )


@pytest.fixture(scope="session")
def infra() -> Iterator[LocalInfra]:
    local = LocalInfra(infra_settings_for_tests())
    report = local.start(reuse=True)
    print(
        f"\n[infra] {'reused' if report.reused else 'started'}: postgres {report.postgres_seconds:.1f}s,"
        f" kafka {report.kafka_seconds:.1f}s"
    )
    yield local
    local.stop()


@pytest.fixture
async def kafka_settings(infra: LocalInfra) -> AsyncIterator[KafkaSettings]:
    """Kafka settings with a topic prefix of this test's own; its topics exist, and are
    deleted after the test."""
    settings = KafkaSettings(
        bootstrap_servers=infra.settings.kafka_bootstrap,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
        default_partitions=TEST_PARTITIONS,
    )
    await ensure_topics(settings)
    yield settings
    await delete_topics(settings)


@pytest.fixture
async def pg_settings(infra: LocalInfra) -> AsyncIterator[PostgresSettings]:
    """A fresh database of this test's own, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(infra.postgres.admin_dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield PostgresSettings(dsn=infra.postgres.admin_dsn(name), pool_min_size=1, pool_max_size=10)
    admin = await asyncpg.connect(infra.postgres.admin_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
