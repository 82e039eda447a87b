"""Applying a verified status callback: record it once, publish what it changes.

The call's row stays locked from lookup to commit, and the status events are in Kafka
before the commit: a callback whose publish failed is not recorded (the provider's retry
applies it), and one recorded is never applied again (unique (call SID, status)).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from cpaas.connector_kit.sends import Key
from cpaas.connector_kit.statuses import status_event
from cpaas.connector_kit.unmatched import UNKNOWN_MESSAGE, unmatched
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import bind_log_context
from cpaas.voice_connector.domain.statuses import Outcome, plausible_time, statuses_after
from cpaas.voice_connector.metrics import CALLBACKS
from cpaas.voice_connector.providers import CallProgress
from cpaas.voice_connector.store import CallRow, LockedCall, VoiceStore

log = logging.getLogger(__name__)


class Applied(StrEnum):
    PUBLISHED = "published"  # a status of the attempt changed and is in Kafka
    RECORDED = "recorded"  # progress only (ringing, answered...)
    DUPLICATE = "duplicate"  # this call already reported this status
    UNKNOWN_CALL = "unknown_call"


@dataclass
class CallbackDeps:
    store: VoiceStore
    publisher: EventPublisher


async def apply_callback(progress: CallProgress, hint: Key | None, deps: CallbackDeps) -> Applied:
    async with deps.store.locked_call(progress.call_sid, hint) as call:
        if call is None:
            unmatched("voice-connector", UNKNOWN_MESSAGE, call_sid=progress.call_sid)  # answered 200
            return _counted(Applied.UNKNOWN_CALL)
        return _counted(await apply_progress(call, progress, deps.publisher))


async def apply_progress(call: LockedCall, progress: CallProgress, publisher: EventPublisher) -> Applied:
    """Record a status of a locked call once and publish what it changes (before the
    transaction commits). Used for callbacks and for the answers the provider gives
    when asked about a call past its receipt deadline."""
    row = call.row
    with bind_log_context(message_id=row.message_id, account_id=row.account_id):
        if not await call.add_event(progress):
            return Applied.DUPLICATE
        added = statuses_after(row.published, progress.meaning)
        at = plausible_time(progress.occurred_at, row.sent_at, datetime.now(UTC))
        await call.update(progress, added[-1].value if added else row.published)
        if added:
            events = [call_status(row, _outcome(status, progress, row.sent_at or at, at)) for status in added]
            await publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in events)
            log.info("call status published", extra={"call_sid": progress.call_sid, "status": added[-1].value})
        return Applied.PUBLISHED if added else Applied.RECORDED


def call_status(call: CallRow, outcome: Outcome) -> MessageStatusChangedV1:
    """The event of one status of a call attempt."""
    return status_event(
        Channel.VOICE,
        call,
        outcome.status,
        outcome.occurred_at,
        error_code=outcome.error_code,
        error_detail=outcome.error_detail,
        carrier_error_code=outcome.carrier_error_code,
    )


def _outcome(status: MessageStatus, progress: CallProgress, accepted_at: datetime, at: datetime) -> Outcome:
    if status is MessageStatus.SUBMITTED_OPERATOR:
        return Outcome(status, accepted_at)
    if not status.is_failure:
        return Outcome(status, at)
    return Outcome(status, at, progress.meaning.error_code, progress.detail, progress.provider_status)


def _counted(outcome: Applied) -> Applied:
    CALLBACKS.labels(outcome.value).inc()
    return outcome
