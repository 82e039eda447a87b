"""The console applies the providers' verdicts on template registrations (template.status):
it is the single writer of templates. Updates are idempotent (same verdict twice changes
nothing) and never move a template backwards from FAILED to PENDING."""

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.contracts import CloudEvent
from cpaas.contracts.events import TemplateStatusChangedV1
from cpaas.contracts.topics import TEMPLATE_STATUS
from cpaas.platform.broker import subscribe
from cpaas.platform.settings import KafkaSettings


def register(broker: KafkaBroker, kafka: KafkaSettings, store_of) -> None:
    @subscribe(broker, kafka.topic(TEMPLATE_STATUS.name), group_id="console", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def on_template_status(event: CloudEvent[TemplateStatusChangedV1]) -> None:
        data = event.data
        await store_of().apply_provider_verdict(
            data.template_id, data.account_id, data.status, data.reason, data.provider_template_id, data.occurred_at
        )
