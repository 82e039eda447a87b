"""What an SMS send is: a rendered template text from a sender ID to one recipient, in
as many parts as it takes.

The kit's pipeline claims, sends, records and announces (`cpaas.connector_kit.sending`
states the guarantees); here is how a submit event becomes an SMS (or a refusal, and
why) and what is recorded of its send: the message is accepted once every part is, and
each part taken is kept under its carrier id (its receipt finds the message by it).
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cpaas.connector_kit.sending import refused
from cpaas.connector_kit.sends import ACCEPTED, REFUSED, Key, Send, SendResult, key_of
from cpaas.contracts import Channel, ErrorCode, MessageSubmittedV1
from cpaas.contracts.templating import render
from cpaas.control_plane import APPROVED, ControlPlane, SenderId, Template
from cpaas.platform.logs import bind_log_context
from cpaas.sms_connector.domain.segments import EmptyMessage, concat_reference, split_text
from cpaas.sms_connector.providers.base import SmsMessage, SmsProvider
from cpaas.sms_connector.store import SmsResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1
    message: SmsMessage


@dataclass
class SmsSending:
    """The kit's `Sending` for SMS."""

    control: ControlPlane
    provider: SmsProvider
    max_segments: int

    async def prepare(self, events: Sequence[MessageSubmittedV1], claims: Mapping[Key, Send]) -> list:
        """Each event's SMS, or its refusal; one lookup of templates and sender IDs."""
        templates = await self.control.templates({e.template_id for e in events})
        senders = await self.control.sender_ids_of({e.account_id for e in events if e.sender_id})
        prepared = []
        for event in events:
            with bind_log_context(message_id=event.message_id, account_id=event.account_id):
                account_senders = senders.get(event.account_id)
                sender = account_senders.by_name.get(event.sender_id or "") if account_senders else None
                prepared.append(prepare_one(event, templates.get(event.template_id), sender, self.max_segments))
        return prepared

    async def send(self, item: Prepared) -> SendResult:
        """ACCEPTED once every part was taken, else REFUSED with why (the parts taken are
        kept all the same); SendError(retryable=True) passes on."""
        submitted = await self.provider.send(item.message)
        parts = submitted.accepted_parts
        common = {
            "provider_message_id": parts[0][1] if parts else None,
            "segments": len(submitted.part_ids),
            "part_ids": parts,
        }
        refusal = submitted.refusal
        if refusal is None:
            return SmsResult(*key_of(item.event), ACCEPTED, submitted.at, **common)
        log.info("message refused by the provider", extra={"carrier_error_code": refusal.carrier_error_code})
        return SmsResult(
            *key_of(item.event),
            REFUSED,
            submitted.at,
            error_code=refusal.error_code.value,
            error_detail=refusal.detail,
            carrier_error_code=refusal.carrier_error_code,
            **common,
        )


def prepare_one(
    event: MessageSubmittedV1, template: Template | None, sender: SenderId | None, max_segments: int
) -> Prepared | SendResult:
    """The SMS of one event, or its refusal (and why)."""

    def refuse(code: ErrorCode, detail: str) -> SendResult:
        log.warning("message not sendable", extra={"error_code": code.value, "error_detail": detail})
        return refused(event, code, detail)

    if template is None or template.account_id != event.account_id:
        return refuse(ErrorCode.RENDER_FAILED, f"template {event.template_id} not found for this account")
    if template.channel != Channel.SMS:
        return refuse(ErrorCode.RENDER_FAILED, f"template {template.id} is a {template.channel} template")
    if template.status != APPROVED:
        return refuse(ErrorCode.TEMPLATE_NOT_APPROVED, f"template {template.id} is {template.status}")
    if not event.sender_id:
        return refuse(ErrorCode.SENDER_ID_REQUIRED, "an SMS needs a sender ID")
    try:
        text = split_text(render(template.body, event.variables))
    except EmptyMessage as exc:
        return refuse(ErrorCode.RENDER_FAILED, str(exc))
    if text.segments > max_segments:
        return refuse(ErrorCode.PAYLOAD_TOO_LARGE, f"{text.segments} segments; at most {max_segments}")
    if sender is None or sender.status != APPROVED:
        log.warning("sender ID not approved or unknown; sending without its DLT PE ID")
    message = SmsMessage(
        recipient=event.recipient,
        sender_id=event.sender_id,
        text=text,
        reference=concat_reference(event.message_id),
        dlt_entity_id=sender.pe_id if sender is not None and sender.status == APPROVED else None,
        dlt_template_id=template.dlt_template_id,
    )
    return Prepared(event, message)
