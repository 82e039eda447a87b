"""The Kafka subscriber: batches of `msg.submit.voice` to the send pipeline (the kit's
subscription says when a batch commits: every call in it created or refused, its first
status in Kafka)."""

from dataclasses import dataclass

from cpaas.connector_kit.runtime import ConnectorKit
from cpaas.connector_kit.sending import SendPipeline
from cpaas.contracts import Channel
from cpaas.voice_connector.callbacks import CallbackDeps
from cpaas.voice_connector.providers import VoiceProvider

GROUP_ID = "voice-connector"


@dataclass
class Voice:
    """What the subscriber and the status-callback webhook need, built when the app starts."""

    calling: SendPipeline
    callbacks: CallbackDeps
    provider: VoiceProvider


def register_handlers(kit: ConnectorKit[Voice]) -> None:
    kit.on_submits(Channel.VOICE, lambda voice, events: voice.calling.send_batch(events), group_id=GROUP_ID)
