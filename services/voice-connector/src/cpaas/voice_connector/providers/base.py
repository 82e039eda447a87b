"""The one small interface every voice provider implements: send (create a call), parse
a status callback, acknowledge it, and look a call up. Shared code names no provider; each
provider maps its statuses onto ours in one table (of the kit's `StatusMeaning`) and fails
only with the kit's SendError, WebhookRejected and WebhookMalformed (courier's handler shape).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cpaas.connector_kit.errors import SendError, WebhookMalformed, WebhookRejected
from cpaas.connector_kit.statuses import StatusMeaning

__all__ = [
    "Acknowledgement",
    "CallAccepted",
    "CallProgress",
    "OutboundCall",
    "SendError",
    "Speech",
    "StatusMeaning",
    "VoiceProvider",
    "WebhookMalformed",
    "WebhookRejected",
]


@dataclass(frozen=True)
class Speech:
    """What the callee hears: rendered text, spoken `repeat` times."""

    text: str
    voice: str
    language: str
    repeat: int


@dataclass(frozen=True)
class OutboundCall:
    to: str
    caller_id: str
    speech: Speech
    status_callback_url: str


@dataclass(frozen=True)
class CallAccepted:
    call_sid: str
    provider_status: str
    meaning: StatusMeaning  # what an accepted create means (SUBMITTED_OPERATOR)


@dataclass(frozen=True)
class CallProgress:
    """One verified status callback."""

    call_sid: str
    provider_status: str
    meaning: StatusMeaning
    occurred_at: datetime
    duration_seconds: int | None = None
    sip_response_code: int | None = None
    sequence_number: int | None = None

    @property
    def detail(self) -> str:
        sip = f" (SIP {self.sip_response_code})" if self.sip_response_code else ""
        return f"call {self.provider_status}{sip}"


@dataclass(frozen=True)
class Acknowledgement:
    """The HTTP answer a provider expects to a status callback it delivered."""

    status_code: int
    body: bytes = b""
    media_type: str | None = None


class VoiceProvider(Protocol):
    name: str

    async def send(self, call: OutboundCall) -> CallAccepted:
        """Create the call; raises SendError only."""
        ...

    async def fetch_call(self, call_sid: str) -> CallProgress | None:
        """The call's status now, as the provider's API tells it; None when it does not know
        the call. Raises SendError (retryable when asking again later may work)."""
        ...

    def parse_callback(self, url: str, headers: Mapping[str, str], body: bytes) -> CallProgress:
        """Verify and read a status callback POSTed to `url` (the public URL the provider was
        given); raises WebhookRejected or WebhookMalformed."""
        ...

    def acknowledge(self) -> Acknowledgement: ...
