"""What a WhatsApp send is: a template message to one recipient from a WABA number.

The kit's pipeline claims, sends, records and announces (`cpaas.connector_kit.sending`
states the guarantees); here is how a submit event becomes a template message (or a
refusal, and why) and how it goes to the provider.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from pydantic import ValidationError

from cpaas.connector_kit.errors import SendError
from cpaas.connector_kit.sending import refused
from cpaas.connector_kit.sends import ACCEPTED, Key, Send, SendResult, key_of
from cpaas.contracts import Channel, ErrorCode, MessageSubmittedV1
from cpaas.contracts.template_content import WhatsAppContent
from cpaas.contracts.templating import missing_variables, placeholder_count
from cpaas.control_plane import ACTIVE, APPROVED, ControlPlane, Template, WabaNumber, channel_identity
from cpaas.platform.logs import bind_log_context
from cpaas.wa_connector.providers.base import HeaderMedia, TemplateMessage, WabaCredentials, WhatsAppProvider
from cpaas.wa_connector.store import WaResult, reference

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1
    message: TemplateMessage


def sending_number(numbers: Sequence[WabaNumber], waba_number_id: int | None) -> WabaNumber | None:
    """The template's own WABA number, else the account's first active one (the guide:
    "the WABA number assigned to your account is used automatically"); only if ACTIVE."""
    chosen = channel_identity(numbers, waba_number_id)
    return chosen if chosen is not None and chosen.status == ACTIVE else None


@dataclass
class WhatsAppSending:
    """The kit's `Sending` for WhatsApp."""

    control: ControlPlane
    provider: WhatsAppProvider

    async def prepare(self, events: Sequence[MessageSubmittedV1], claims: Mapping[Key, Send]) -> list:
        """Each event's template message, or its refusal."""
        templates = await self.control.templates({e.template_id for e in events})
        numbers = await self.control.waba_numbers({e.account_id for e in events})
        prepared = []
        for event in events:
            with bind_log_context(message_id=event.message_id, account_id=event.account_id):
                prepared.append(prepare_one(event, templates.get(event.template_id), numbers.get(event.account_id, ())))
        return prepared

    async def send(self, item: Prepared) -> SendResult:
        sender = item.message.sender.phone_number_id
        try:
            accepted = await self.provider.send(item.message)
        except SendError as exc:
            if exc.retryable:
                raise
            log.info("message refused by the provider", extra={"carrier_error_code": exc.carrier_error_code})
            refusal = refused(item.event, exc.error_code, exc.detail, exc.carrier_error_code)
            return WaResult(**asdict(refusal), phone_number_id=sender)
        return WaResult(
            *key_of(item.event),
            ACCEPTED,
            accepted.at,
            provider_message_id=accepted.provider_message_id,
            phone_number_id=sender,
        )


def prepare_one(
    event: MessageSubmittedV1, template: Template | None, numbers: Sequence[WabaNumber]
) -> Prepared | SendResult:
    """The template message of one event, or its refusal (and why)."""

    def refuse(code: ErrorCode, detail: str) -> SendResult:
        log.warning("message not sendable", extra={"error_code": code.value, "error_detail": detail})
        return refused(event, code, detail)

    if template is None or template.account_id != event.account_id:
        return refuse(ErrorCode.TEMPLATE_NOT_FOUND, f"template {event.template_id} not found for this account")
    if template.channel != Channel.WHATSAPP:
        return refuse(ErrorCode.TEMPLATE_CHANNEL_MISMATCH, f"template {template.id} is a {template.channel} template")
    if template.status != APPROVED:
        return refuse(ErrorCode.TEMPLATE_NOT_APPROVED, f"template {template.id} is {template.status}")
    number = sending_number(numbers, template.waba_number_id)
    if number is None:
        return refuse(ErrorCode.CHANNEL_NOT_CONFIGURED, "no active WABA number for this template")
    missing = missing_variables(template.body, event.variables)
    if missing:
        return refuse(ErrorCode.MISSING_VARIABLES, f"variables {', '.join(missing)} are missing")
    try:
        header = _header_media(WhatsAppContent.model_validate(template.content))
    except (ValidationError, ValueError) as exc:
        return refuse(ErrorCode.RENDER_FAILED, f"template {template.id} content: {exc}"[:500])
    message = TemplateMessage(
        recipient=event.recipient,
        template_name=template.name,
        language=template.language,
        body_parameters=tuple(event.variables[str(n)] for n in range(1, placeholder_count(template.body) + 1)),
        header_media=header,
        reference=reference(event.message_id, event.attempt),
        sender=WabaCredentials(number.waba_id, number.phone_number_id, number.api_key),
    )
    return Prepared(event, message)


def _header_media(content: WhatsAppContent) -> HeaderMedia | None:
    """A media header is sent by link; a text header is part of the registered template."""
    header = content.header
    if header is None or header.type == "TEXT":
        return None
    if header.media_url is None:
        raise ValueError(f"a {header.type} header needs its media URL")
    kind = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document"}[header.type]
    return HeaderMedia(kind, str(header.media_url))  # type: ignore[arg-type]
