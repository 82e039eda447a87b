"""The Kafka subscribers: batches of `msg.submit.rcs` to the send pipeline, and each
`template.submitted` to `register_template` (the kit's subscriptions say when each
commits)."""

from dataclasses import dataclass

from cpaas.connector_kit.runtime import ConnectorKit
from cpaas.connector_kit.sending import SendPipeline
from cpaas.contracts import Channel
from cpaas.rcs_connector.templates import TemplateDeps, register_template
from cpaas.rcs_connector.webhooks import WebhookDeps

SUBMIT_GROUP = "rcs-connector"
TEMPLATE_GROUP = "rcs-connector-templates"


@dataclass
class Rcs:
    """What the subscribers and the webhook need, built when the app starts."""

    sending: SendPipeline
    templates: TemplateDeps
    webhooks: WebhookDeps


def register_handlers(kit: ConnectorKit[Rcs]) -> None:
    kit.on_submits(Channel.RCS, lambda rcs, events: rcs.sending.send_batch(events), group_id=SUBMIT_GROUP)
    kit.on_template_submitted(lambda rcs, event: register_template(event, rcs.templates), group_id=TEMPLATE_GROUP)
