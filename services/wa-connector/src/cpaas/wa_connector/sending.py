"""Sending a batch of submit events: claim, build, send, record, announce.

Guarantees, per message attempt (key: message id + attempt):
- a SENDING row is written before the provider is called; an attempt whose row is
  ACCEPTED or REFUSED is never sent again, only its status event is published again if
  it may be missing (not yet `announced`);
- an attempt still SENDING (the process died, or the call timed out, between the send
  and the write of its result) is sent again: the one window where a message can go out
  twice;
- the status events of the batch are in Kafka before this returns, so the batch is
  committed only after its effects;
- an accepted attempt awaits its receipt until `receipt_deadline_seconds` after the
  provider took it (`receipt_deadlines.py` ends it when none comes).
"""

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.template_content import WhatsAppContent
from cpaas.contracts.templating import missing_variables, placeholder_count
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.db import until_written
from cpaas.platform.logs import bind_log_context
from cpaas.wa_connector.catalog import ConsoleCatalog, Template, WabaNumber, sending_number
from cpaas.wa_connector.channel import HeaderMedia, SendError, TemplateMessage, WabaCredentials, WhatsAppProvider
from cpaas.wa_connector.metrics import MESSAGES
from cpaas.wa_connector.store import ACCEPTED, REFUSED, SENDING, Key, SendRecord, WaStore, reference

log = logging.getLogger(__name__)
APPROVED = "APPROVED"


@dataclass
class SendingDeps:
    store: WaStore
    catalog: ConsoleCatalog
    provider: WhatsAppProvider
    publisher: EventPublisher
    concurrency: asyncio.Semaphore  # bounds the provider calls in flight
    receipt_deadline_seconds: float  # how long an accepted send waits for its receipt


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1
    message: TemplateMessage


def _key(event: MessageSubmittedV1) -> Key:
    return (event.message_id, event.attempt)


async def send_batch(events: Sequence[MessageSubmittedV1], deps: SendingDeps) -> None:
    """Send what was never sent, publish every attempt's status, then return (commit).

    Raises SendError(retryable=True) when some messages could not be sent (timeout, 5xx,
    throttling): the others are recorded and announced first, then the batch comes again
    and only those are sent.
    """
    unique = list({_key(e): e for e in events}.values())
    if not unique:
        return
    claims = await deps.store.claim(unique)
    fresh = [e for e in unique if claims[_key(e)].state == SENDING]
    prepared, records = await _prepare(fresh, deps.catalog)
    sent = await asyncio.gather(*(_send(p, deps) for p in prepared))
    records.update({_key(p.event): r for p, r in zip(prepared, sent, strict=True) if r is not None})
    results = list(records.values())
    await until_written(  # a failed write would send these again when the batch comes back
        lambda: deps.store.record(results, receipt_deadline_seconds=deps.receipt_deadline_seconds),
        what="send results",
    )
    statuses: list[MessageStatusChangedV1] = []
    for event in unique:
        record = records.get(_key(event))
        claim = claims[_key(event)]
        if record is None and claim.state != SENDING and not claim.announced:
            record = claim  # sent before; its status event may be missing
        if record is not None:
            statuses.append(_status_event(event, record))
    await deps.publisher.publish_many((MSG_STATUS.name, s, s.message_id) for s in statuses)
    await deps.store.mark_announced([(s.message_id, s.attempt) for s in statuses])
    _count(records.values(), len(unique) - len(fresh))
    not_sent = len(prepared) - sum(r is not None for r in sent)
    if not_sent:
        raise SendError(f"{not_sent} of {len(unique)} messages were not sent; the batch comes again", retryable=True)


async def _prepare(
    events: Sequence[MessageSubmittedV1], catalog: ConsoleCatalog
) -> tuple[list[Prepared], dict[Key, SendRecord]]:
    """Build each template message; those that cannot be sent become REFUSED records."""
    if not events:
        return [], {}
    templates = await catalog.templates({e.template_id for e in events})
    numbers = await catalog.waba_numbers({e.account_id for e in events})
    prepared, refused = [], {}
    for event in events:
        with bind_log_context(message_id=event.message_id, account_id=event.account_id):
            result = _prepare_one(event, templates.get(event.template_id), numbers.get(event.account_id, []))
        if isinstance(result, Prepared):
            prepared.append(result)
        else:
            refused[_key(event)] = result
    return prepared, refused


def _prepare_one(
    event: MessageSubmittedV1, template: Template | None, numbers: list[WabaNumber]
) -> Prepared | SendRecord:
    def refuse(code: ErrorCode, detail: str) -> SendRecord:
        log.warning("message not sendable", extra={"error_code": code.value, "error_detail": detail})
        return SendRecord(
            event.message_id,
            event.attempt,
            REFUSED,
            sent_at=datetime.now(UTC),
            error_code=code.value,
            error_detail=detail,
        )

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


async def _send(prepared: Prepared, deps: SendingDeps) -> SendRecord | None:
    """Send one message; None when it was not sent and a retry can help."""
    event, message = prepared.event, prepared.message
    with bind_log_context(message_id=event.message_id, account_id=event.account_id):
        try:
            async with deps.concurrency:
                accepted = await deps.provider.send(message)
        except SendError as exc:
            if exc.retryable:
                MESSAGES.labels("retry").inc()
                log.warning("message not sent; it will be sent again", extra={"error": exc.detail})
                return None
            log.info("message refused by the provider", extra={"carrier_error_code": exc.provider_code})
            return SendRecord(
                event.message_id,
                event.attempt,
                REFUSED,
                phone_number_id=message.sender.phone_number_id,
                sent_at=datetime.now(UTC),
                error_code=exc.error_code.value,
                error_detail=exc.detail,
                carrier_error_code=exc.provider_code,
            )
        return SendRecord(
            event.message_id,
            event.attempt,
            ACCEPTED,
            wamid=accepted.provider_message_id,
            phone_number_id=message.sender.phone_number_id,
            sent_at=accepted.at,
        )


def _status_event(event: MessageSubmittedV1, record: SendRecord) -> MessageStatusChangedV1:
    common = {
        "message_id": event.message_id,
        "fallback_remaining": len(event.fallback),
        "account_id": event.account_id,
        "channel": Channel.WHATSAPP,
        "attempt": event.attempt,
        "recipient": event.recipient,
        "occurred_at": record.sent_at or datetime.now(UTC),
        "carrier_message_id": record.wamid,
        "sender_id": event.sender_id,
        "template_id": event.template_id,
        "campaign_id": event.campaign_id,
    }
    if record.state == ACCEPTED:
        return MessageStatusChangedV1(status=MessageStatus.SUBMITTED_OPERATOR, **common)
    return MessageStatusChangedV1(
        status=MessageStatus.FAILED,
        error_code=ErrorCode(record.error_code) if record.error_code else ErrorCode.CARRIER_REJECTED,
        error_detail=record.error_detail,
        carrier_error_code=record.carrier_error_code,
        **common,
    )


def _count(records: Iterable[SendRecord], already_sent: int) -> None:
    for record in records:
        MESSAGES.labels("accepted" if record.state == ACCEPTED else "refused").inc()
    if already_sent:
        MESSAGES.labels("already_sent").inc(already_sent)
