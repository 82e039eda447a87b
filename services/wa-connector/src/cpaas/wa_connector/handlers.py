"""The Kafka subscribers: batches of `msg.submit.whatsapp` to `send_batch`, and
`template.submitted` records to `register_template`."""

from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from cpaas.contracts import SUBMIT_TOPICS, Channel, CloudEvent, MessageSubmittedV1
from cpaas.contracts.events import TemplateSubmittedV1
from cpaas.contracts.topics import TEMPLATE_SUBMITTED
from cpaas.platform.broker import decode_submit_batch, subscribe
from cpaas.wa_connector.sending import SendingDeps, send_batch
from cpaas.wa_connector.settings import WaConnectorSettings
from cpaas.wa_connector.templates import TemplateDeps, register_template

SUBMIT_GROUP_ID = "wa-connector"
TEMPLATES_GROUP_ID = "wa-connector-templates"


def register_submit_handler(broker: KafkaBroker, settings: WaConnectorSettings, deps: Callable[[], SendingDeps]) -> Any:
    """Subscribe the batch handler; `deps` is called per batch (they exist once the app started)."""
    subscriber = subscribe(
        broker,
        settings.kafka.topic(SUBMIT_TOPICS[Channel.WHATSAPP].name),
        group_id=SUBMIT_GROUP_ID,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
    )

    @subscriber
    async def handle_whatsapp_submits(body: list[Any], msg: KafkaMessage) -> None:
        """The batch is committed only when this returns: every message in it was sent
        (or refused) and its status is in Kafka. Raising redelivers the whole batch."""
        events = await decode_submits(broker, msg.raw_message)
        await send_batch(events, deps())

    return subscriber


def register_template_handler(
    broker: KafkaBroker, settings: WaConnectorSettings, deps: Callable[[], TemplateDeps]
) -> Any:
    subscriber = subscribe(
        broker,
        settings.kafka.topic(TEMPLATE_SUBMITTED.name),
        group_id=TEMPLATES_GROUP_ID,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )

    @subscriber
    async def handle_template_submitted(event: CloudEvent[TemplateSubmittedV1]) -> None:
        """Committed once the registration's status is in Kafka; a provider timeout or
        5xx raises, and the record comes again."""
        await register_template(event.id, event.data, deps())

    return subscriber


async def decode_submits(broker: KafkaBroker, records: Sequence[ConsumerRecord]) -> list[MessageSubmittedV1]:
    """Valid WhatsApp submit events; every other record goes to the DLQ alone."""
    return await decode_submit_batch(broker, records, Channel.WHATSAPP)
