"""What a voice send is: a text-to-speech call to one recipient from our caller ID.

The kit's pipeline claims, sends, records and announces (`cpaas.connector_kit.sending`
states the guarantees: a SENDING row before the create-call request, an attempt ACCEPTED
or REFUSED never called again, the answer's write through a PostgreSQL restart); here is
how a submit event becomes a call (or a refusal) and how it is placed. An attempt still
SENDING (the process stopped between the request and the write of its answer, or the
provider could not be reached) is called again: the one window in which a recipient
could be called twice.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from cpaas.connector_kit.sending import refused
from cpaas.connector_kit.sends import ACCEPTED, Key, Send, SendResult, key_of
from cpaas.contracts import MessageSubmittedV1
from cpaas.control_plane import ControlPlane
from cpaas.platform.logs import bind_log_context
from cpaas.voice_connector.domain.speech import NotSendable, speech_for
from cpaas.voice_connector.providers import OutboundCall, VoiceProvider
from cpaas.voice_connector.store import CallResult

log = logging.getLogger(__name__)
STATUS_CALLBACK_PATH = "/webhooks/voice/status"


def status_callback_url(public_base_url: str, message_id: str, attempt: int) -> str:
    """Where the provider reports the call's progress. The message id and attempt in the
    URL (signed with the rest) find the call even before its SID is recorded."""
    query = urlencode({"messageId": message_id, "attempt": attempt})
    return f"{public_base_url.rstrip('/')}{STATUS_CALLBACK_PATH}?{query}"


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1
    call: OutboundCall


@dataclass
class VoiceSending:
    """The kit's `Sending` for voice."""

    control: ControlPlane
    provider: VoiceProvider
    caller_id: str
    public_base_url: str

    async def prepare(self, events: Sequence[MessageSubmittedV1], claims: Mapping[Key, Send]) -> list:
        """Each event's call, or its refusal (nothing to say)."""
        templates = await self.control.templates({e.template_id for e in events})
        prepared: list[Prepared | SendResult] = []
        for event in events:
            with bind_log_context(message_id=event.message_id, account_id=event.account_id):
                try:
                    speech = speech_for(event, templates.get(event.template_id))
                except NotSendable as exc:
                    log.warning(
                        "voice message not sendable", extra={"error_code": exc.code.value, "error_detail": exc.detail}
                    )
                    prepared.append(refused(event, exc.code, exc.detail))
                    continue
            callback = status_callback_url(self.public_base_url, *key_of(event))
            prepared.append(Prepared(event, OutboundCall(event.recipient, self.caller_id, speech, callback)))
        return prepared

    async def send(self, item: Prepared) -> SendResult:
        """Create the call; a refusal or a transient failure raises SendError."""
        accepted = await self.provider.send(item.call)
        log.info("call created", extra={"call_sid": accepted.call_sid})
        return CallResult(
            *key_of(item.event),
            ACCEPTED,
            datetime.now(UTC),
            provider_message_id=accepted.call_sid,
            provider_status=accepted.provider_status,
        )
