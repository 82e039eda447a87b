"""The one small interface every RCS provider implements (capability, send, parse a
webhook, register templates and bots), and the only errors and results that leave a
provider (the kit's SendError, WebhookRejected, WebhookMalformed): shared code never names
a provider nor sees its exceptions or wire formats."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from cpaas.connector_kit.errors import SendError, WebhookMalformed, WebhookRejected
from cpaas.contracts import MessageStatus
from cpaas.control_plane import RcsBot
from cpaas.rcs_connector.domain.rendering import RcsMessage

__all__ = [
    "Accepted",
    "Bot",
    "BotRegistration",
    "BotVerdict",
    "DeliveryUpdate",
    "RcsProvider",
    "SendError",
    "TemplateVerdict",
    "WebhookMalformed",
    "WebhookRejected",
    "WebhookRequest",
]


@dataclass(frozen=True)
class Bot:
    """An RCS bot (console.rcs_bots): the provider's agent id and its secret."""

    id: int  # console row id
    account_id: int
    bot_id: str  # the provider's agent id
    api_key: str = field(repr=False)  # the bot secret: never logged
    status: str

    @classmethod
    def of(cls, bot: RcsBot) -> "Bot":
        return cls(bot.id, bot.account_id, bot.bot_id, bot.api_key, bot.status)


@dataclass(frozen=True)
class Accepted:
    """The provider took the message; it now owns its delivery."""

    provider_message_id: str
    accepted_at: datetime


@dataclass(frozen=True)
class DeliveryUpdate:
    """A message's status from the provider (a webhook event)."""

    provider_message_id: str
    status: MessageStatus
    event_type: str  # the provider's own name of the event (dedupe key with the message id)
    event_id: str | None
    occurred_at: datetime


TemplateStatus = Literal["PENDING", "APPROVED", "FAILED"]


@dataclass(frozen=True)
class TemplateVerdict:
    """The provider's review of a registered template."""

    bot_id: str
    name: str
    provider_template_id: str
    status: TemplateStatus
    reason: str | None


@dataclass(frozen=True)
class BotVerdict:
    bot_id: str
    state: str
    reason: str | None


@dataclass(frozen=True)
class BotRegistration:
    """A bot registered with the provider: its agent id, review state and secret."""

    bot_id: str
    state: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class WebhookRequest:
    """What one webhook request carries. `reply` is set for a provider handshake that
    must be answered with that text instead of being applied."""

    deliveries: list[DeliveryUpdate] = field(default_factory=list)
    templates: list[TemplateVerdict] = field(default_factory=list)
    bots: list[BotVerdict] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # event types we do not act on
    reply: str | None = None


class RcsProvider(Protocol):
    """Every method may raise SendError and nothing else (parse_webhook: WebhookRejected
    or WebhookMalformed)."""

    name: str

    async def recipient_capable(self, bot: Bot, recipient: str) -> bool:
        """Whether the recipient's device can receive RCS from this bot."""
        ...

    async def send(self, bot: Bot, recipient: str, provider_message_id: str, message: RcsMessage) -> Accepted:
        """Send once under `provider_message_id`; a repeat of an accepted id is Accepted."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookRequest: ...

    async def register_template(self, bot: Bot, name: str, message: RcsMessage) -> str:
        """Submit a template for review; returns the provider's template id."""
        ...

    async def register_bot(self, display_name: str, handle: str) -> BotRegistration: ...
