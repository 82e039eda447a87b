"""Sending a batch of submit events: claim, render, submit, record, announce.

Guarantees, per message attempt (key: message id + attempt):
- a SUBMITTING row is written before any segment goes out; an attempt whose row is
  SUBMITTED, REFUSED or FINAL is never sent again, only its status event is published
  again if it may be missing (not yet `announced`);
- an attempt still SUBMITTING (this process crashed between the send and the write of
  its result) is sent again: the one window where a message can go out twice;
- the status events of the batch are in Kafka before this returns, so the batch is
  committed only after its effects.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.templating import render
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.db import until_written
from cpaas.platform.logs import bind_log_context
from cpaas.sms_connector.catalog import ConsoleCatalog, SenderId, Template
from cpaas.sms_connector.domain.segments import EmptyMessage, concat_reference, encode_message
from cpaas.sms_connector.domain.statuses import SUBMIT_REFUSED, submit_error_code
from cpaas.sms_connector.metrics import MESSAGES
from cpaas.sms_connector.smpp import Segment, SendError, SmppCarrier, SubmitResult
from cpaas.sms_connector.smpp.model import source_address
from cpaas.sms_connector.smpp.rate import SenderRateLimits
from cpaas.sms_connector.store import REFUSED, SUBMITTED, SUBMITTING, Key, SendRecord, SmsStore, Submission

log = logging.getLogger(__name__)

# DLT (India) optional parameters: Principal Entity ID and registered template ID
TLV_DLT_PE_ID, TLV_DLT_TEMPLATE_ID = 0x1400, 0x1401
APPROVED = "APPROVED"


@dataclass
class SendingDeps:
    store: SmsStore
    catalog: ConsoleCatalog
    carrier: SmppCarrier
    publisher: EventPublisher
    max_segments: int
    receipt_deadline_seconds: float  # from acceptance to the receipt deadline of a message
    sender_limits: SenderRateLimits | None = None  # per-sender-ID throughput towards the carrier


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1
    segments: list[Segment]


def _key(event: MessageSubmittedV1) -> Key:
    return (event.message_id, event.attempt)


async def send_batch(events: Sequence[MessageSubmittedV1], deps: SendingDeps) -> None:
    """Send what was never sent, publish every attempt's status, then return (commit).

    Raises SendError(retryable=True) when some messages could not be submitted (no bind,
    lost session, throttling): the others are recorded and announced first, then the
    batch comes again and only those are sent.
    """
    unique = list({_key(e): e for e in events}.values())
    if not unique:
        return
    claims = await deps.store.claim(unique)
    fresh = [e for e in unique if claims[_key(e)].status == SUBMITTING]
    prepared, records = await _prepare(fresh, deps.catalog, deps.max_segments)
    sent = await asyncio.gather(*(_send(p, deps.carrier, deps.sender_limits) for p in prepared))
    records.update({_key(p.event): r for p, r in zip(prepared, sent, strict=True) if r is not None})
    results = list(records.values())
    await until_written(
        lambda: deps.store.record(results, receipt_deadline_seconds=deps.receipt_deadline_seconds),
        what="submit results",
    )
    announce: list[tuple[MessageSubmittedV1, SendRecord | Submission]] = []
    for event in unique:
        claim = claims[_key(event)]
        if _key(event) in records:
            announce.append((event, records[_key(event)]))
        elif claim.status in (SUBMITTED, REFUSED) and not claim.announced:
            announce.append((event, claim))  # sent before; its status event may be missing
    statuses = [_status_event(event, record) for event, record in announce]
    await deps.publisher.publish_many((MSG_STATUS.name, s, s.message_id) for s in statuses)
    await deps.store.mark_announced([(s.message_id, s.attempt) for s in statuses])
    for record in records.values():
        MESSAGES.labels("submitted" if record.status == SUBMITTED else "refused").inc()
    MESSAGES.labels("already_sent").inc(len(unique) - len(fresh))
    not_sent = sum(r is None for r in sent)
    if not_sent:
        raise SendError(
            f"{not_sent} of {len(unique)} messages were not submitted; the batch comes again", retryable=True
        )


async def _prepare(
    events: Sequence[MessageSubmittedV1], catalog: ConsoleCatalog, max_segments: int
) -> tuple[list[Prepared], dict[Key, SendRecord]]:
    """Render and split each message; those that cannot be sent become REFUSED records."""
    if not events:
        return [], {}
    templates = await catalog.templates({e.template_id for e in events})
    senders = await catalog.sender_ids({(e.account_id, e.sender_id) for e in events if e.sender_id})
    prepared, refused = [], {}
    for event in events:
        with bind_log_context(message_id=event.message_id, account_id=event.account_id):
            sender = senders.get((event.account_id, event.sender_id or ""))
            result = _prepare_one(event, templates.get(event.template_id), sender, max_segments)
        if isinstance(result, Prepared):
            prepared.append(result)
        else:
            refused[_key(event)] = result
    return prepared, refused


def _prepare_one(
    event: MessageSubmittedV1, template: Template | None, sender: SenderId | None, max_segments: int
) -> Prepared | SendRecord:
    def refuse(code: ErrorCode, detail: str) -> SendRecord:
        log.warning("message not sendable", extra={"error_code": code.value, "error_detail": detail})
        return SendRecord(event.message_id, event.attempt, REFUSED, None, (), datetime.now(UTC), code.value, detail)

    if template is None or template.account_id != event.account_id:
        return refuse(ErrorCode.RENDER_FAILED, f"template {event.template_id} not found for this account")
    if template.channel != Channel.SMS:
        return refuse(ErrorCode.RENDER_FAILED, f"template {template.id} is a {template.channel} template")
    if template.status != APPROVED:
        return refuse(ErrorCode.TEMPLATE_NOT_APPROVED, f"template {template.id} is {template.status}")
    if not event.sender_id:
        return refuse(ErrorCode.SENDER_ID_REQUIRED, "an SMS needs a sender ID")
    try:
        encoded = encode_message(render(template.body, event.variables), concat_reference(event.message_id))
    except EmptyMessage as exc:
        return refuse(ErrorCode.RENDER_FAILED, str(exc))
    if len(encoded.payloads) > max_segments:
        return refuse(ErrorCode.PAYLOAD_TOO_LARGE, f"{len(encoded.payloads)} segments; at most {max_segments}")
    tlvs = _dlt_tlvs(template, sender)
    source_ton, source_npi = source_address(event.sender_id)
    segments = [
        Segment(
            destination=event.recipient.lstrip("+"),
            source=event.sender_id,
            payload=payload,
            data_coding=encoded.data_coding,
            esm_class=encoded.esm_class,
            tlvs=tlvs,
            source_ton=source_ton,
            source_npi=source_npi,
        )
        for payload in encoded.payloads
    ]
    return Prepared(event, segments)


def _dlt_tlvs(template: Template, sender: SenderId | None) -> tuple[tuple[int, bytes], ...]:
    tlvs = []
    if sender is not None and sender.status == APPROVED:
        tlvs.append((TLV_DLT_PE_ID, sender.pe_id.encode("ascii")))
    else:
        log.warning("sender ID not approved or unknown; sending without its DLT PE ID")
    if template.dlt_template_id:
        tlvs.append((TLV_DLT_TEMPLATE_ID, template.dlt_template_id.encode("ascii")))
    return tuple(tlvs)


async def _send(prepared: Prepared, carrier: SmppCarrier, limits: SenderRateLimits | None = None) -> SendRecord | None:
    """Submit every segment; None when some could not be (a retry can help)."""
    event = prepared.event
    with bind_log_context(message_id=event.message_id, account_id=event.account_id):
        if limits is not None and event.sender_id:
            for _ in prepared.segments:  # each segment is one submit_sm the carrier counts
                await limits.take(event.sender_id)
        results = await asyncio.gather(*(carrier.submit(s) for s in prepared.segments), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        for failure in failures:
            if not isinstance(failure, SendError):
                raise failure
        if any(f.retryable for f in failures if isinstance(f, SendError)):
            log.warning("message not submitted; it will be sent again", extra={"error": str(failures[0])})
            return None
        return _send_record(event, results)


def _send_record(event: MessageSubmittedV1, results: list[SubmitResult | BaseException]) -> SendRecord:
    accepted = [
        (seq, str(r.carrier_message_id))
        for seq, r in enumerate(results, 1)
        if isinstance(r, SubmitResult) and r.accepted
    ]
    at = max((r.at for r in results if isinstance(r, SubmitResult)), default=datetime.now(UTC))
    if len(accepted) == len(results):
        return SendRecord(event.message_id, event.attempt, SUBMITTED, len(results), accepted, at)
    refusal = next(r for r in results if not (isinstance(r, SubmitResult) and r.accepted))
    if isinstance(refusal, SubmitResult):
        code = submit_error_code(refusal.command_status)
        detail = f"submit_sm refused with command_status {code}"
    else:
        code, detail = None, str(refusal)
    log.info("message refused by the SMSC", extra={"carrier_error_code": code})
    assert SUBMIT_REFUSED.error_code is not None
    return SendRecord(
        event.message_id,
        event.attempt,
        REFUSED,
        len(results),
        accepted,
        at,
        SUBMIT_REFUSED.error_code.value,
        detail,
        code,
    )


def _status_event(event: MessageSubmittedV1, record: SendRecord | Submission) -> MessageStatusChangedV1:
    common = {
        "message_id": event.message_id,
        "fallback_remaining": len(event.fallback),
        "account_id": event.account_id,
        "channel": Channel.SMS,
        "attempt": event.attempt,
        "recipient": event.recipient,
        "occurred_at": record.submitted_at or datetime.now(UTC),
        "carrier_message_id": record.carrier_message_id,
        "segments": record.segments,
        "sender_id": event.sender_id,
        "template_id": event.template_id,
        "campaign_id": event.campaign_id,
    }
    if record.status == SUBMITTED:
        return MessageStatusChangedV1(status=MessageStatus.SUBMITTED_OPERATOR, **common)
    return MessageStatusChangedV1(
        status=MessageStatus.FAILED,
        error_code=ErrorCode(record.error_code) if record.error_code else ErrorCode.CARRIER_REJECTED,
        error_detail=record.error_detail,
        carrier_error_code=record.carrier_error_code,
        **common,
    )
