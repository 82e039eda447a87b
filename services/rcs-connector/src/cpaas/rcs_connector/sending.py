"""What an RCS send is: a rendered message to one recipient through the template's bot.

The kit's pipeline claims, sends, records and announces (`cpaas.connector_kit.sending`
states the guarantees). RCS adds:
- the provider message id is fixed when the attempt is claimed, before the send: an
  attempt still SENDING (a crash, a transient failure) is sent again under the same id,
  which the provider refuses as a duplicate if it took the first one; that counts as
  accepted, so a message never goes out twice;
- a recipient whose device cannot receive RCS fails at once with
  CHANNEL_NOT_SUPPORTED_BY_RECIPIENT, before any send, so fallback starts immediately;
- transient failures (timeouts, 5xx) leave the attempt SENDING; after `max_send_tries`
  of them it ends FAILED (CARRIER_UNAVAILABLE);
- an accepted attempt awaits its DELIVERED until `receipt_deadline_seconds`.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from cpaas.connector_kit.errors import SendError
from cpaas.connector_kit.sending import refused
from cpaas.connector_kit.sends import ACCEPTED, Key, Send, SendResult, key_of
from cpaas.contracts import Channel, ErrorCode, MessageSubmittedV1
from cpaas.control_plane import ACTIVE, APPROVED, ControlPlane, RcsBot, Template, channel_identity
from cpaas.platform.logs import bind_log_context
from cpaas.rcs_connector.domain.rendering import RcsMessage, RenderError, render_message
from cpaas.rcs_connector.providers.base import Bot, RcsProvider
from cpaas.rcs_connector.store import RcsResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1
    bot: Bot
    message: RcsMessage
    provider_message_id: str


def template_bot(bots: Sequence[RcsBot], template: Template) -> Bot | None:
    """The template's own bot, else the account's first ACTIVE one; None when there is none."""
    bot = channel_identity(bots, template.rcs_bot_id)
    return Bot.of(bot) if bot is not None else None


@dataclass
class RcsSending:
    """The kit's `Sending` for RCS."""

    control: ControlPlane
    provider: RcsProvider

    async def prepare(self, events: Sequence[MessageSubmittedV1], claims: Mapping[Key, Send]) -> list:
        """Each event rendered for its bot, or its refusal."""
        templates = await self.control.templates({e.template_id for e in events})
        bots = await self.control.rcs_bots({e.account_id for e in events})
        prepared = []
        for event in events:
            template = templates.get(event.template_id)
            with bind_log_context(message_id=event.message_id, account_id=event.account_id):
                provider_id = claims[key_of(event)].provider_message_id
                assert provider_id is not None  # fixed when claimed
                prepared.append(prepare_one(event, template, bots.get(event.account_id, ()), provider_id))
        return prepared

    async def send(self, item: Prepared) -> SendResult:
        """The capability check, then the send."""
        event = item.event
        try:
            if not await self.provider.recipient_capable(item.bot, event.recipient):
                log.info("recipient cannot receive RCS; failing at once for fallback")
                return _refused(
                    event,
                    ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT,
                    "the recipient's device does not support RCS",
                    bot=item.bot,
                )
            accepted = await self.provider.send(item.bot, event.recipient, item.provider_message_id, item.message)
        except SendError as exc:
            if exc.retryable:
                raise
            log.info("RCS message refused by the provider", extra={"carrier_error_code": exc.carrier_error_code})
            return _refused(event, exc.error_code, exc.detail, exc.carrier_error_code, bot=item.bot)
        return RcsResult(*key_of(event), ACCEPTED, accepted.accepted_at, bot_id=item.bot.bot_id)


def prepare_one(
    event: MessageSubmittedV1, template: Template | None, bots: Sequence[RcsBot], provider_message_id: str
) -> Prepared | SendResult:
    """The rendered message of one event, or its refusal (and why)."""

    def refuse(code: ErrorCode, detail: str, bot: Bot | None = None) -> SendResult:
        log.warning("message not sendable", extra={"error_code": code.value, "error_detail": detail})
        return _refused(event, code, detail, bot=bot)

    if template is None or template.account_id != event.account_id:
        return refuse(ErrorCode.TEMPLATE_NOT_FOUND, f"template {event.template_id} not found for this account")
    if template.channel != Channel.RCS:
        return refuse(ErrorCode.TEMPLATE_CHANNEL_MISMATCH, f"template {template.id} is a {template.channel} template")
    if template.status != APPROVED:
        return refuse(ErrorCode.TEMPLATE_NOT_APPROVED, f"template {template.id} is {template.status}")
    bot = template_bot(bots, template)
    if bot is None:
        return refuse(ErrorCode.CHANNEL_NOT_CONFIGURED, "the account has no RCS bot for this template")
    if bot.status != ACTIVE:
        return refuse(ErrorCode.CHANNEL_NOT_CONFIGURED, f"RCS bot {bot.bot_id} is {bot.status}", bot)
    try:
        message = render_message(template.template_type, template.body, dict(template.content), event.variables)
    except RenderError as exc:
        return refuse(ErrorCode.RENDER_FAILED, str(exc), bot)
    return Prepared(event, bot, message, provider_message_id)


def _refused(
    event: MessageSubmittedV1, code: ErrorCode, detail: str, carrier_code: str | None = None, *, bot: Bot | None
) -> RcsResult:
    return RcsResult(**asdict(refused(event, code, detail, carrier_code)), bot_id=bot.bot_id if bot else None)
