"""The console's Kafka subscriber: the providers' verdicts on template registrations
(template.status, group "console"). The console is the single writer of templates.

Guarantees: the offset is committed after the verdict is written (NACK_ON_ERROR: a
database error redelivers the record); applying a verdict is idempotent (the same verdict
twice changes nothing, an older one than the last applied is ignored) and never moves a
template from FAILED back to PENDING (store/templates.py)."""

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.console.domain.templates import provider_status
from cpaas.console.store.templates import TemplateStore
from cpaas.contracts import CloudEvent
from cpaas.contracts.events import TemplateStatusChangedV1
from cpaas.contracts.topics import TEMPLATE_STATUS
from cpaas.platform.broker import subscribe
from cpaas.platform.settings import KafkaSettings

CONSUMER_GROUP = "console"


async def apply_verdict(templates: TemplateStore, verdict: TemplateStatusChangedV1) -> None:
    await templates.apply_provider_verdict(
        verdict.template_id,
        verdict.account_id,
        provider_status(verdict.status),
        verdict.reason,
        verdict.provider_template_id,
        verdict.occurred_at,
    )


def register(broker: KafkaBroker, kafka: KafkaSettings, templates: TemplateStore) -> None:
    """Subscribes before the broker starts (the app's lifespan, once the store exists)."""

    @subscribe(broker, kafka.topic(TEMPLATE_STATUS.name), group_id=CONSUMER_GROUP, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def on_template_status(event: CloudEvent[TemplateStatusChangedV1]) -> None:
        await apply_verdict(templates, event.data)
