"""The Kafka subscribers: batches of `msg.submit.whatsapp` to the send pipeline, and each
`template.submitted` to `register_template` (the kit's subscriptions say when each
commits)."""

from dataclasses import dataclass

from cpaas.connector_kit.runtime import ConnectorKit
from cpaas.connector_kit.sending import SendPipeline
from cpaas.contracts import Channel
from cpaas.wa_connector.templates import TemplateDeps, register_template
from cpaas.wa_connector.webhooks import WebhookDeps

SUBMIT_GROUP_ID = "wa-connector"
TEMPLATES_GROUP_ID = "wa-connector-templates"


@dataclass
class WhatsApp:
    """What the subscribers and the webhook need, built when the app starts."""

    sending: SendPipeline
    templates: TemplateDeps
    webhooks: WebhookDeps


def register_handlers(kit: ConnectorKit[WhatsApp]) -> None:
    kit.on_submits(Channel.WHATSAPP, lambda wa, events: wa.sending.send_batch(events), group_id=SUBMIT_GROUP_ID)
    kit.on_template_submitted(
        lambda wa, event: register_template(event.id, event.data, wa.templates), group_id=TEMPLATES_GROUP_ID
    )
