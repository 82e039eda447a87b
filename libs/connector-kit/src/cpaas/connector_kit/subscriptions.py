"""The Kafka subscribers every connector has: its channel's submit topic, in batches, and
(for channels with templates to register) `template.submitted`, one record at a time.

Both commit only after the handler returned (NACK_ON_ERROR): raising redelivers the
batch or the record. A submit record that is no submit event of the channel goes to
the topic's DLQ alone and the rest of its batch is handled.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.contracts import SUBMIT_TOPICS, Channel, CloudEvent, MessageSubmittedV1
from cpaas.contracts.events import TemplateSubmittedV1
from cpaas.contracts.topics import TEMPLATE_SUBMITTED
from cpaas.platform.broker import BatchMessage, decode_submit_batch, subscribe
from cpaas.platform.settings import KafkaSettings

SubmitHandler = Callable[[Sequence[MessageSubmittedV1]], Awaitable[None]]
TemplateHandler = Callable[[CloudEvent[TemplateSubmittedV1]], Awaitable[None]]


def subscribe_submits(
    broker: KafkaBroker,
    kafka: KafkaSettings,
    channel: Channel,
    handle: SubmitHandler,
    *,
    group_id: str,
    max_records: int,
    batch_timeout_ms: int,
) -> Any:
    """Batches of `msg.submit.<channel>` to `handle`. The batch is committed only when it
    returns: every message in it was sent (or refused) and its status is in Kafka."""
    subscriber = subscribe(
        broker,
        kafka.topic(SUBMIT_TOPICS[channel].name),
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
    )

    async def handle_submits(body: list[Any], msg: BatchMessage) -> None:
        await handle(await decode_submit_batch(broker, msg.raw_message, channel))

    handle_submits.__name__ = f"handle_{channel.value.lower()}_submits"
    subscriber(handle_submits)
    return subscriber


def subscribe_template_submissions(
    broker: KafkaBroker, kafka: KafkaSettings, handle: TemplateHandler, *, group_id: str
) -> Any:
    """Each `template.submitted` to `handle` (it ignores other channels' templates);
    committed once it returned, redelivered when it raised."""
    subscriber = subscribe(
        broker, kafka.topic(TEMPLATE_SUBMITTED.name), group_id=group_id, ack_policy=AckPolicy.NACK_ON_ERROR
    )

    async def handle_template_submitted(event: CloudEvent[TemplateSubmittedV1]) -> None:
        await handle(event)

    subscriber(handle_template_submitted)
    return subscriber
