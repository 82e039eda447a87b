"""The one small interface every voice provider implements: send (create a call), parse
a status callback, acknowledge it. Shared code names no provider; each provider maps its
statuses onto ours in one table and fails only with SendError (courier's handler shape).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cpaas.contracts import ErrorCode, MessageStatus


@dataclass(frozen=True)
class StatusMeaning:
    """What a provider status means for the message attempt.

    `status` None: call progress only (ringing, answered...), recorded but not published.
    """

    status: MessageStatus | None
    error_code: ErrorCode | None = None


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


class SendError(Exception):
    """A call that was not created. `retryable`: the same request may succeed later (the
    message waits and is sent again); otherwise the attempt fails with `meaning`."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        carrier_error_code: str | None = None,
        meaning: StatusMeaning | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.carrier_error_code = carrier_error_code
        self.meaning = meaning or StatusMeaning(MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED)


class CallbackRejected(Exception):
    """A callback whose signature does not verify: it did not come from the provider."""


class InvalidCallback(Exception):
    """A signed callback without the fields a status needs."""


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
        given); raises CallbackRejected or InvalidCallback."""
        ...

    def acknowledge(self) -> Acknowledgement: ...
