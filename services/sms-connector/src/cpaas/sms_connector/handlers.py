"""The Kafka subscriber: batches of `msg.submit.sms` to the send pipeline (the kit's
subscription says when a batch commits: every message in it sent or refused, its first
status in Kafka)."""

from dataclasses import dataclass

from cpaas.connector_kit.runtime import ConnectorKit
from cpaas.connector_kit.sending import SendPipeline
from cpaas.contracts import Channel

GROUP_ID = "sms-connector"


@dataclass
class Sms:
    """What the subscriber needs, built when the app starts."""

    sending: SendPipeline


def register_handlers(kit: ConnectorKit[Sms]) -> None:
    kit.on_submits(Channel.SMS, lambda sms, events: sms.sending.send_batch(events), group_id=GROUP_ID)
