"""The one small interface every WhatsApp provider implements (send, register a template,
parse a webhook, acknowledge it), and the provider-neutral values that cross it. Shared
code names no provider; a provider raises no exception of its own past this interface,
only the kit's `SendError`, `WebhookRejected` and `WebhookMalformed`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from starlette.responses import Response

from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.contracts.template_content import WhatsAppContent

TemplateStatus = Literal["PENDING", "APPROVED", "REJECTED", "FAILED"]


@dataclass(frozen=True)
class WabaCredentials:
    """A WABA number as the provider knows it; the access token never appears in a repr."""

    waba_id: str
    phone_number_id: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class HeaderMedia:
    kind: Literal["image", "video", "document"]
    link: str


@dataclass(frozen=True)
class TemplateMessage:
    """One template message to one recipient."""

    recipient: str  # E.164 with '+'
    template_name: str  # our template's name; the provider applies its own naming rule
    language: str
    body_parameters: tuple[str, ...]
    header_media: HeaderMedia | None
    reference: str  # our message id and attempt; echoed back in status webhooks when the provider can
    sender: WabaCredentials


@dataclass(frozen=True)
class Accepted:
    provider_message_id: str
    at: datetime


@dataclass(frozen=True)
class TemplateRegistration:
    sender: WabaCredentials
    name: str
    language: str
    category: str | None
    body: str
    content: WhatsAppContent


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's status of a sent message, already mapped onto ours."""

    provider_message_id: str
    provider_status: str
    status: MessageStatus | None  # None: nothing to publish (e.g. 'sent': SUBMITTED_OPERATOR came at acceptance)
    occurred_at: datetime
    reference: str | None = None
    error_code: ErrorCode | None = None
    carrier_error_code: str | None = None
    error_detail: str | None = None


@dataclass(frozen=True)
class TemplateVerdict:
    """A provider's review of a registered template, mapped onto our template statuses."""

    waba_id: str
    provider_template_id: str
    name: str
    language: str
    provider_event: str
    status: TemplateStatus | None  # None: an event we do not act on
    reason: str | None


@dataclass(frozen=True)
class WebhookEvents:
    statuses: list[StatusUpdate] = field(default_factory=list)
    templates: list[TemplateVerdict] = field(default_factory=list)
    ignored: int = 0  # parts of the webhook we do not act on (inbound messages, other fields)


class WhatsAppProvider(Protocol):
    name: str

    async def send(self, message: TemplateMessage) -> Accepted:
        """Send one template message; raises SendError when not accepted."""
        ...

    async def register_template(self, registration: TemplateRegistration) -> str:
        """Register a template for review; returns the provider's template id, raises SendError."""
        ...

    def subscription_challenge(self, params: Mapping[str, str]) -> str | None:
        """The answer to a webhook subscription handshake, or None when it is not ours."""
        ...

    def parse_webhook(self, raw: bytes, headers: Mapping[str, str]) -> WebhookEvents:
        """Authenticate and read a webhook; raises WebhookRejected or WebhookMalformed."""
        ...

    def acknowledge(self) -> Response:
        """What the provider expects back once a webhook is taken."""
        ...
