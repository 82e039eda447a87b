"""The Kafka subscriber: batches of `msg.submit.sms` to `send_batch`."""

from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from cpaas.contracts import SUBMIT_TOPICS, Channel, MessageSubmittedV1
from cpaas.platform.broker import decode_submit_batch, subscribe
from cpaas.sms_connector.sending import SendingDeps, send_batch
from cpaas.sms_connector.settings import SmsConnectorSettings

GROUP_ID = "sms-connector"


def register_submit_handler(
    broker: KafkaBroker, settings: SmsConnectorSettings, deps: Callable[[], SendingDeps]
) -> Any:
    """Subscribe the batch handler; `deps` is called per batch (they exist once the app started)."""
    subscriber = subscribe(
        broker,
        settings.kafka.topic(SUBMIT_TOPICS[Channel.SMS].name),
        group_id=GROUP_ID,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
    )

    @subscriber
    async def handle_sms_submits(body: list[Any], msg: KafkaMessage) -> None:
        """The batch is committed only when this returns: every message in it was sent
        (or refused) and its status is in Kafka. Raising redelivers the whole batch."""
        events = await decode_submits(broker, msg.raw_message)
        await send_batch(events, deps())

    return subscriber


async def decode_submits(broker: KafkaBroker, records: Sequence[ConsumerRecord]) -> list[MessageSubmittedV1]:
    """Valid SMS submit events; every other record goes to the DLQ alone."""
    return await decode_submit_batch(broker, records, Channel.SMS)
