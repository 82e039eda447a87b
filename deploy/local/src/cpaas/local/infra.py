"""Kafka and PostgreSQL together: start both, wait until they answer, stop both."""

import asyncio
import time
from dataclasses import dataclass

from cpaas.local.kafka_server import KafkaServer
from cpaas.local.postgres_server import PostgresServer
from cpaas.local.processes import port_open
from cpaas.local.settings import LocalSettings
from cpaas.platform.kafka_admin import ensure_topics, wait_for_group_coordinator
from cpaas.platform.settings import KafkaSettings


@dataclass
class StartReport:
    reused: bool
    postgres_seconds: float
    kafka_seconds: float
    topics_created: list[str]


async def _prepare_kafka(kafka: KafkaSettings) -> list[str]:
    """The platform's topics, and a group coordinator ready before any consumer starts."""
    created = await ensure_topics(kafka)
    await wait_for_group_coordinator(kafka)
    return created


class LocalInfra:
    def __init__(self, settings: LocalSettings | None = None) -> None:
        self.settings = settings or LocalSettings()
        self.kafka = KafkaServer(self.settings)
        self.postgres = PostgresServer(self.settings)
        self.owned = False

    def running(self) -> bool:
        return port_open(self.settings.kafka_port) and port_open(self.settings.pg_port)

    def start(self, *, reuse: bool = False, kafka: KafkaSettings | None = None) -> StartReport:
        """Start both servers (or attach to running ones when `reuse`) and create the topics."""
        if reuse and self.running():
            created = asyncio.run(ensure_topics(kafka or self.kafka_settings()))
            return StartReport(True, 0.0, 0.0, created)
        started = time.monotonic()
        self.postgres.start()
        pg_seconds = time.monotonic() - started
        self.owned = True
        try:
            started = time.monotonic()
            self.kafka.start()
            created = asyncio.run(_prepare_kafka(kafka or self.kafka_settings()))
            kafka_seconds = time.monotonic() - started
        except BaseException:
            self.stop()
            raise
        return StartReport(False, pg_seconds, kafka_seconds, created)

    def kafka_settings(self) -> KafkaSettings:
        return KafkaSettings(bootstrap_servers=self.settings.kafka_bootstrap)

    def stop(self) -> None:
        """Stop Kafka first (clients may still be flushing to it), then PostgreSQL."""
        if self.owned:
            self.kafka.stop()
            self.postgres.stop()
            self.owned = False
