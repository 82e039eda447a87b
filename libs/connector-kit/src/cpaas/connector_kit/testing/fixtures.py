"""Fixtures a connector's conftest takes in: `db, kafka = fixtures.db, fixtures.kafka`."""

from collections.abc import AsyncIterator

import pytest

from cpaas.connector_kit.testing.database import Database
from cpaas.connector_kit.testing.stream import StatusStream
from cpaas.platform.settings import KafkaSettings, PostgresSettings


@pytest.fixture
async def kafka(kafka_settings: KafkaSettings) -> AsyncIterator[StatusStream]:
    """Submit and template events in, msg.status and template.status read from the start."""
    stream = StatusStream(kafka_settings)
    await stream.start()
    try:
        yield stream
    finally:
        await stream.stop()


@pytest.fixture
def db(pg_settings: PostgresSettings) -> Database:
    """SQL on the test's database."""
    return Database(pg_settings)
