"""Placing a batch of voice messages: claim, render, create the call, record, announce.

Guarantees, per message attempt (key: message id + attempt):
- a CREATING row is written before the create-call request; an attempt whose row is
  ACCEPTED or REFUSED is never sent again (a redelivered submit creates no second call),
  only its first status is published if it is not in Kafka yet;
- an attempt still CREATING (the process stopped between the request and the write of
  its answer, or the provider could not be reached) is sent again: the one window in
  which a recipient could be called twice;
- the batch's statuses are in Kafka before this returns, so the batch is committed only
  after its effects.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from cpaas.contracts import ErrorCode, MessageStatus, MessageSubmittedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.db import until_written
from cpaas.platform.logs import bind_log_context
from cpaas.voice_connector.catalog import Template, TemplateCatalog
from cpaas.voice_connector.domain.speech import NotSendable, speech_for
from cpaas.voice_connector.domain.statuses import Outcome, status_event
from cpaas.voice_connector.metrics import CALLS
from cpaas.voice_connector.providers import OutboundCall, SendError, VoiceProvider
from cpaas.voice_connector.store import ACCEPTED, CREATING, REFUSED, CallRow, CreateResult, Key, VoiceStore

log = logging.getLogger(__name__)
STATUS_CALLBACK_PATH = "/webhooks/voice/status"


@dataclass
class CallingDeps:
    store: VoiceStore
    catalog: TemplateCatalog
    provider: VoiceProvider
    publisher: EventPublisher
    caller_id: str
    public_base_url: str
    calls_in_flight: asyncio.Semaphore


def status_callback_url(public_base_url: str, message_id: str, attempt: int) -> str:
    """Where the provider reports the call's progress. The message id and attempt in the
    URL (signed with the rest) find the call even before its SID is recorded."""
    query = urlencode({"messageId": message_id, "attempt": attempt})
    return f"{public_base_url.rstrip('/')}{STATUS_CALLBACK_PATH}?{query}"


def _key(event: MessageSubmittedV1) -> Key:
    return (event.message_id, event.attempt)


async def place_calls(events: Sequence[MessageSubmittedV1], deps: CallingDeps) -> None:
    """Create the calls never created, publish every attempt's first status, then return.

    Raises SendError(retryable=True) when some calls could not be created for a reason a
    retry can help (provider unreachable, throttled, 5xx): the others are recorded and
    announced first, then the batch comes again and only those are sent.
    """
    unique = list({_key(e): e for e in events}.values())
    if not unique:
        return
    rows = await deps.store.claim(unique, deps.caller_id)
    fresh = [e for e in unique if rows[_key(e)].status == CREATING]
    already = len(unique) - len(fresh)
    templates = await deps.catalog.templates({e.template_id for e in fresh}) if fresh else {}
    results = await asyncio.gather(*(_place(e, templates.get(e.template_id), deps) for e in fresh))
    created = [r for r in results if r is not None]
    await until_written(lambda: deps.store.record(created), what="created calls")  # else: called again
    await deps.store.announce(
        [_key(e) for e in unique],
        lambda announced: deps.publisher.publish_many(
            (MSG_STATUS.name, status_event(row, _first_outcome(row)), row.message_id) for row in announced
        ),
    )
    not_created = len(fresh) - len(created)
    _count(created, already, not_created)
    if not_created:
        raise SendError(f"{not_created} of {len(unique)} calls were not created; the batch comes again", retryable=True)


async def _place(event: MessageSubmittedV1, template: Template | None, deps: CallingDeps) -> CreateResult | None:
    """Create one call; None when it was not and a retry can help."""
    with bind_log_context(message_id=event.message_id, account_id=event.account_id):
        try:
            speech = speech_for(event, template)
        except NotSendable as exc:
            log.warning("voice message not sendable", extra={"error_code": exc.code.value, "error_detail": exc.detail})
            return _refused(event, exc.code.value, exc.detail, None)
        call = OutboundCall(
            event.recipient, deps.caller_id, speech, status_callback_url(deps.public_base_url, *_key(event))
        )
        try:
            async with deps.calls_in_flight:
                accepted = await deps.provider.send(call)
        except SendError as exc:
            if exc.retryable:
                log.warning("call not created; it will be tried again", extra={"error": str(exc)})
                return None
            log.info("call refused by the provider", extra={"carrier_error_code": exc.carrier_error_code})
            code = exc.meaning.error_code or ErrorCode.CARRIER_REJECTED
            return _refused(event, code.value, str(exc), exc.carrier_error_code)
        log.info("call created", extra={"call_sid": accepted.call_sid})
        return CreateResult(
            event.message_id, event.attempt, ACCEPTED, datetime.now(UTC), accepted.call_sid, accepted.provider_status
        )


def _refused(event: MessageSubmittedV1, code: str, detail: str, carrier_code: str | None) -> CreateResult:
    return CreateResult(
        event.message_id,
        event.attempt,
        REFUSED,
        datetime.now(UTC),
        error_code=code,
        error_detail=detail,
        carrier_error_code=carrier_code,
    )


def _first_outcome(row: CallRow) -> Outcome:
    at = row.accepted_at or datetime.now(UTC)
    if row.status == ACCEPTED:
        return Outcome(MessageStatus.SUBMITTED_OPERATOR, at)
    return Outcome(
        MessageStatus.FAILED,
        at,
        ErrorCode(row.error_code) if row.error_code else ErrorCode.CARRIER_REJECTED,
        row.error_detail,
        row.carrier_error_code,
    )


def _count(created: Sequence[CreateResult], already: int, not_created: int) -> None:
    for result in created:
        CALLS.labels("created" if result.status == ACCEPTED else "refused").inc()
    if already:
        CALLS.labels("already_created").inc(already)
    if not_created:
        CALLS.labels("retried").inc(not_created)
