"""Topic creation from the contracts' topic list, with partition counts from settings."""

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from cpaas.contracts.topics import ALL_TOPICS, TopicSpec
from cpaas.platform.settings import KafkaSettings

log = logging.getLogger(__name__)
DLQ_PARTITIONS = 1  # dead letters are rare; one partition keeps them in arrival order


def planned_topics(kafka: KafkaSettings, specs: tuple[TopicSpec, ...] = ALL_TOPICS) -> dict[str, int]:
    """Topic name (with the prefix) -> partitions, for every topic and its DLQ."""
    plan: dict[str, int] = {}
    for spec in specs:
        partitions = kafka.partitions.get(spec.name, kafka.default_partitions or spec.partitions)
        plan[kafka.topic(spec.name)] = partitions
        plan[kafka.topic(spec.dlq)] = DLQ_PARTITIONS
    return plan


async def ensure_topics(kafka: KafkaSettings, plan: dict[str, int] | None = None) -> list[str]:
    """Create missing topics; returns the names created. Existing topics are left alone."""
    plan = planned_topics(kafka) if plan is None else plan
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=partitions, replication_factor=kafka.replication_factor)
            for name, partitions in plan.items()
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                log.info("topics created concurrently by another process")
        return [topic.name for topic in missing]
    finally:
        await admin.close()


COORDINATOR_WAIT_SECONDS = 60.0
COORDINATOR_POLL_SECONDS = 0.2


async def wait_for_group_coordinator(kafka: KafkaSettings, timeout: float = COORDINATOR_WAIT_SECONDS) -> float:
    """Until the broker can coordinate consumer groups; returns the seconds waited.

    On a fresh broker the first FindCoordinator makes it create `__consumer_offsets` and
    elect that topic's leaders, and until then every group's consumer logs
    GroupCoordinatorNotAvailable errors. Asking once, before any service starts, keeps a
    first start quiet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    started = asyncio.get_running_loop().time()
    try:
        while True:
            try:
                await admin.find_coordinator("cpaas-coordinator-check")
                return asyncio.get_running_loop().time() - started
            except KafkaError:
                if asyncio.get_running_loop().time() - started > timeout:
                    raise
                await asyncio.sleep(COORDINATOR_POLL_SECONDS)
    finally:
        await admin.close()


async def delete_topics(kafka: KafkaSettings) -> list[str]:
    """Delete every topic under this settings' prefix (tests clean up after themselves)."""
    if not kafka.topic_prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if name.startswith(kafka.topic_prefix)]
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


def main() -> None:
    """`python -m cpaas.platform.kafka_admin`: create the platform's missing topics (a
    deployment's one-off job; CPAAS_KAFKA_* as for the services)."""
    import json

    async def prepare() -> dict:
        kafka = KafkaSettings()
        created = await ensure_topics(kafka)
        return {"created": created, "coordinator_wait_seconds": round(await wait_for_group_coordinator(kafka), 1)}

    print(json.dumps(asyncio.run(prepare())))


if __name__ == "__main__":
    main()
