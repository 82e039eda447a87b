"""Topic creation from the contracts' topic list, with partition counts from settings."""

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

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
    import asyncio
    import json

    created = asyncio.run(ensure_topics(KafkaSettings()))
    print(json.dumps({"created": created}))


if __name__ == "__main__":
    main()
