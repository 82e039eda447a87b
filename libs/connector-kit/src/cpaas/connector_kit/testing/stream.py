"""Kafka as a connector's test sees it: the gateway's and console's events in, the
connector's statuses out."""

import asyncio

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from cpaas.contracts import (
    SUBMIT_TOPICS,
    Channel,
    CloudEvent,
    MessageStatus,
    MessageStatusChangedV1,
    MessageSubmittedV1,
)
from cpaas.contracts.events import TemplateStatusChangedV1, TemplateSubmittedV1
from cpaas.contracts.topics import MSG_STATUS, TEMPLATE_STATUS, TEMPLATE_SUBMITTED
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.settings import KafkaSettings

WAIT_SECONDS = 12
POLL_MS = 100
DLQ_READ_MS = 2000


class StatusStream:
    """Publishes submit and template events (as the gateway and the console would) and
    reads msg.status and template.status from the start of the test's topics."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.broker = make_broker(settings, client_id="test")
        self.publisher = EventPublisher(self.broker, settings, source="test")
        self.consumer = AIOKafkaConsumer(
            settings.topic(MSG_STATUS.name),
            settings.topic(TEMPLATE_STATUS.name),
            bootstrap_servers=settings.bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.statuses: list[MessageStatusChangedV1] = []
        self.template_statuses: list[TemplateStatusChangedV1] = []

    async def start(self) -> None:
        await self.broker.start()
        await self.consumer.start()

    async def stop(self) -> None:
        await self.consumer.stop()
        await self.broker.stop()

    async def submit(self, event: MessageSubmittedV1) -> None:
        await self.publisher.publish(SUBMIT_TOPICS[event.channel].name, event, subject=event.message_id)

    async def submit_raw(self, channel: Channel, value: bytes, key: bytes) -> None:
        await self.broker.publish(value, self.settings.topic(SUBMIT_TOPICS[channel].name), key=key)

    async def submit_template(self, event: TemplateSubmittedV1) -> None:
        await self.publisher.publish(TEMPLATE_SUBMITTED.name, event, subject=str(event.template_id))

    async def wait_for(self, message_id: str, status: MessageStatus) -> MessageStatusChangedV1:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                for event in self.statuses:
                    if event.message_id == message_id and event.status is status:
                        return event
                await self.poll()

    async def wait_for_template(self, template_id: int, status: str) -> TemplateStatusChangedV1:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                for event in self.template_statuses:
                    if event.template_id == template_id and event.status == status:
                        return event
                await self.poll()

    async def settle(self, seconds: float) -> None:
        """Keep reading for a while (to see that nothing more arrives)."""
        async with asyncio.timeout(seconds + 1):
            loop = asyncio.get_running_loop()
            deadline = loop.time() + seconds
            while loop.time() < deadline:
                await self.poll()

    def of(self, message_id: str) -> list[MessageStatus]:
        return [e.status for e in self.statuses if e.message_id == message_id]

    def templates_of(self, template_id: int) -> list[str]:
        return [e.status for e in self.template_statuses if e.template_id == template_id]

    async def read_dlq(self, channel: Channel) -> list[ConsumerRecord]:
        """Every record on the channel's submit DLQ."""
        consumer = AIOKafkaConsumer(
            self.settings.topic(SUBMIT_TOPICS[channel].dlq),
            bootstrap_servers=self.settings.bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            batch = await consumer.getmany(timeout_ms=DLQ_READ_MS)
            return [record for records in batch.values() for record in records]
        finally:
            await consumer.stop()

    async def poll(self) -> None:
        batch = await self.consumer.getmany(timeout_ms=POLL_MS)
        for records in batch.values():
            for record in records:
                if record.topic == self.settings.topic(MSG_STATUS.name):
                    self.statuses.append(CloudEvent[MessageStatusChangedV1].model_validate_json(record.value).data)
                else:
                    event = CloudEvent[TemplateStatusChangedV1].model_validate_json(record.value).data
                    self.template_statuses.append(event)
