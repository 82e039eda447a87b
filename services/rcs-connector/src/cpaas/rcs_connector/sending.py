"""Sending a batch of RCS submit events: claim, prepare, check capability, send, record,
announce.

Guarantees, per message attempt (key: message id + attempt):
- a SENDING row, with the provider message id, is written before the provider is
  called; an attempt ACCEPTED or REFUSED is never sent again, only its status event is
  published again if it may be missing (not yet `announced`);
- an attempt still SENDING (a crash or a transient failure) is sent again under the
  same provider message id, which the provider refuses as a duplicate if it took the
  first one: we then count it accepted, so a message never goes out twice;
- a recipient whose device cannot receive RCS fails at once with
  CHANNEL_NOT_SUPPORTED_BY_RECIPIENT, before any send, so fallback starts immediately;
- transient failures (timeouts, 5xx) leave the attempt SENDING and make the batch come
  again; after `max_send_tries` of them the attempt ends FAILED (CARRIER_UNAVAILABLE);
- the status events of the batch are in Kafka before this returns, so the batch is
  committed only after its effects;
- an accepted attempt awaits its DELIVERED until `receipt_deadline_seconds` after the
  provider took it (`receipt_deadlines.py` ends it when none comes).
"""

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.db import until_written
from cpaas.platform.logs import bind_log_context
from cpaas.rcs_connector.catalog import ACTIVE, ConsoleCatalog, Template
from cpaas.rcs_connector.domain.rendering import RcsMessage, RenderError, render_message
from cpaas.rcs_connector.metrics import MESSAGES
from cpaas.rcs_connector.providers.base import Bot, RcsProvider, SendError
from cpaas.rcs_connector.store import ACCEPTED, REFUSED, SENDING, Key, RcsStore, Send, SendResult

log = logging.getLogger(__name__)
APPROVED = "APPROVED"


@dataclass
class SendingDeps:
    store: RcsStore
    catalog: ConsoleCatalog
    provider: RcsProvider
    publisher: EventPublisher
    max_concurrent_sends: int
    max_send_tries: int
    receipt_deadline_seconds: float  # how long an accepted message waits for its DELIVERED


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1
    bot: Bot
    message: RcsMessage
    provider_message_id: str


def _key(event: MessageSubmittedV1) -> Key:
    return (event.message_id, event.attempt)


class NotSent(SendError):
    """Some attempts of the batch hit transient failures; the batch comes again."""


async def send_batch(events: Sequence[MessageSubmittedV1], deps: SendingDeps) -> None:
    """Send what was never sent, publish every attempt's status, then return (commit).

    Raises NotSent (retryable) when some attempts failed transiently: the others are
    recorded and announced first, then the batch comes again and only those are sent.
    """
    unique = list({_key(e): e for e in events}.values())
    if not unique:
        return
    claims = await deps.store.claim(unique)
    fresh = [e for e in unique if claims[_key(e)].status == SENDING]
    prepared, results = await _prepare(fresh, claims, deps.catalog)
    semaphore = asyncio.Semaphore(deps.max_concurrent_sends)
    outcomes = await asyncio.gather(*(_send(p, deps.provider, semaphore) for p in prepared))
    failures: dict[Key, SendError] = {}
    for item, outcome in zip(prepared, outcomes, strict=True):
        if isinstance(outcome, SendResult):
            results[outcome.key] = outcome
        else:
            failures[_key(item.event)] = outcome
    results.update(await _give_up(failures, deps))
    outcomes = list(results.values())
    await until_written(  # a failed write would send these again when the batch comes back
        lambda: deps.store.record(outcomes, receipt_deadline_seconds=deps.receipt_deadline_seconds),
        what="send results",
    )
    await _announce(unique, claims, results, deps)
    _count(results.values(), len(unique) - len(fresh), len(failures))
    still = len([k for k in failures if k not in results])
    if still:
        raise NotSent(f"{still} of {len(unique)} RCS messages not sent yet; the batch comes again", retryable=True)


async def _prepare(
    events: Sequence[MessageSubmittedV1], claims: dict[Key, Send], catalog: ConsoleCatalog
) -> tuple[list[Prepared], dict[Key, SendResult]]:
    """Render each message for its bot; those that cannot be sent become REFUSED results."""
    if not events:
        return [], {}
    templates = await catalog.templates({e.template_id for e in events})
    wanted = {(e.account_id, t.rcs_bot_id if (t := templates.get(e.template_id)) else None) for e in events}
    bots = await catalog.bots(wanted)
    prepared, refused = [], {}
    for event in events:
        template = templates.get(event.template_id)
        bot = bots.get((event.account_id, template.rcs_bot_id if template else None))
        with bind_log_context(message_id=event.message_id, account_id=event.account_id):
            outcome = _prepare_one(event, template, bot, claims[_key(event)].provider_message_id)
        if isinstance(outcome, Prepared):
            prepared.append(outcome)
        else:
            refused[_key(event)] = outcome
    return prepared, refused


def _prepare_one(
    event: MessageSubmittedV1, template: Template | None, bot: Bot | None, provider_message_id: str
) -> Prepared | SendResult:
    def refuse(code: ErrorCode, detail: str) -> SendResult:
        log.warning("message not sendable", extra={"error_code": code.value, "error_detail": detail})
        return _refused(event, code, detail, bot_id=bot.bot_id if bot else None)

    if template is None or template.account_id != event.account_id:
        return refuse(ErrorCode.TEMPLATE_NOT_FOUND, f"template {event.template_id} not found for this account")
    if template.channel != Channel.RCS:
        return refuse(ErrorCode.TEMPLATE_CHANNEL_MISMATCH, f"template {template.id} is a {template.channel} template")
    if template.status != APPROVED:
        return refuse(ErrorCode.TEMPLATE_NOT_APPROVED, f"template {template.id} is {template.status}")
    if bot is None or bot.account_id != event.account_id:
        return refuse(ErrorCode.CHANNEL_NOT_CONFIGURED, "the account has no RCS bot for this template")
    if bot.status != ACTIVE:
        return refuse(ErrorCode.CHANNEL_NOT_CONFIGURED, f"RCS bot {bot.bot_id} is {bot.status}")
    try:
        message = render_message(template.template_type, template.body, template.content, event.variables)
    except RenderError as exc:
        return refuse(ErrorCode.RENDER_FAILED, str(exc))
    return Prepared(event, bot, message, provider_message_id)


async def _send(item: Prepared, provider: RcsProvider, semaphore: asyncio.Semaphore) -> SendResult | SendError:
    """Capability check, then the send. A SendError returned is transient; a refusal
    is a REFUSED result."""
    event = item.event
    async with semaphore:
        with bind_log_context(message_id=event.message_id, account_id=event.account_id):
            try:
                if not await provider.recipient_capable(item.bot, event.recipient):
                    log.info("recipient cannot receive RCS; failing at once for fallback")
                    return _refused(
                        event,
                        ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT,
                        "the recipient's device does not support RCS",
                        bot_id=item.bot.bot_id,
                    )
                accepted = await provider.send(item.bot, event.recipient, item.provider_message_id, item.message)
            except SendError as exc:
                if exc.retryable:
                    log.warning("RCS send failed for now; it will be tried again", extra={"error_detail": exc.detail})
                    return exc
                log.info("RCS message refused by the provider", extra={"carrier_error_code": exc.carrier_error_code})
                return _refused(event, exc.error_code, exc.detail, exc.carrier_error_code, bot_id=item.bot.bot_id)
    return SendResult(event.message_id, event.attempt, ACCEPTED, accepted.accepted_at, bot_id=item.bot.bot_id)


def _refused(
    event: MessageSubmittedV1, code: ErrorCode, detail: str, carrier_code: str | None = None, *, bot_id: str | None
) -> SendResult:
    return SendResult(
        event.message_id, event.attempt, REFUSED, datetime.now(UTC), bot_id, code.value, detail, carrier_code
    )


async def _give_up(failures: dict[Key, SendError], deps: SendingDeps) -> dict[Key, SendResult]:
    """Attempts whose transient failures reached `max_send_tries` end FAILED."""
    tries = await deps.store.count_failures(list(failures))
    return {
        key: SendResult(
            key[0],
            key[1],
            REFUSED,
            datetime.now(UTC),
            None,
            ErrorCode.CARRIER_UNAVAILABLE.value,
            f"gave up after {count} transient failures; last: {failures[key].detail}",
            failures[key].carrier_error_code,
        )
        for key, count in tries.items()
        if count >= deps.max_send_tries
    }


async def _announce(
    events: Sequence[MessageSubmittedV1], claims: dict[Key, Send], results: dict[Key, SendResult], deps: SendingDeps
) -> None:
    """Publish SUBMITTED_OPERATOR / FAILED for what was decided now, and again for
    attempts decided before whose event may be missing; then mark them announced."""
    statuses = []
    for event in events:
        claim = claims[_key(event)]
        decided: SendResult | Send | None = results.get(_key(event))
        if decided is None and claim.status != SENDING and not claim.announced:
            decided = claim
        if decided is not None:
            statuses.append(status_event(event, decided, claim.provider_message_id))
    await deps.publisher.publish_many((MSG_STATUS.name, s, s.message_id) for s in statuses)
    await deps.store.mark_announced([(s.message_id, s.attempt) for s in statuses])


def status_event(
    event: MessageSubmittedV1, decided: SendResult | Send, provider_message_id: str
) -> MessageStatusChangedV1:
    accepted = decided.status == ACCEPTED
    common = {
        "message_id": event.message_id,
        "fallback_remaining": len(event.fallback),
        "account_id": event.account_id,
        "channel": Channel.RCS,
        "attempt": event.attempt,
        "recipient": event.recipient,
        "occurred_at": decided.decided_at or datetime.now(UTC),
        "carrier_message_id": provider_message_id if accepted else None,
        "sender_id": event.sender_id,
        "template_id": event.template_id,
        "campaign_id": event.campaign_id,
    }
    if accepted:
        return MessageStatusChangedV1(status=MessageStatus.SUBMITTED_OPERATOR, **common)
    return MessageStatusChangedV1(
        status=MessageStatus.FAILED,
        error_code=ErrorCode(decided.error_code) if decided.error_code else ErrorCode.CARRIER_REJECTED,
        error_detail=decided.error_detail,
        carrier_error_code=decided.carrier_error_code,
        **common,
    )


def _count(results: Iterable[SendResult], already_sent: int, transient: int) -> None:
    for result in results:
        if result.status == ACCEPTED:
            MESSAGES.labels("accepted").inc()
        else:
            MESSAGES.labels(str(result.error_code or "refused").lower()).inc()
    if already_sent:
        MESSAGES.labels("already_sent").inc(already_sent)
    if transient:
        MESSAGES.labels("transient_failure").inc(transient)
