"""Receipt deadlines: a call whose final status never came is asked about, then ended.

Twilio retries a status callback once, and only when it could not connect, so a
callback sent while this service was down is lost. A created call with no final status
published at its deadline (the longest a call can last, plus a margin) is therefore
looked up: `GET .../Calls/{CallSid}.json`. A final status there (completed, busy,
no-answer, failed, canceled) is applied exactly as its callback would have been
(recorded once in `call_events`, published). A call the provider reports as still under
way, or does not know, ends UNDELIVERED / RECEIPT_EXPIRED, with the provider's status
as its carrier error code (the kit's `expire`); a provider that cannot be asked now (unreachable, 5xx, 429)
leaves the call for the next round. Everything is published before the round's
transaction commits (the platform's `DeadlineSweeper`: batches, SKIP LOCKED, retries,
metrics); an expired call leaves every later sweep but keeps its published status
SUBMITTED_OPERATOR, so a final callback that comes later is still published.
"""

import asyncio
import logging
from collections import Counter

import asyncpg

from cpaas.connector_kit.deadlines import expire
from cpaas.contracts import MessageStatus
from cpaas.platform.broker import EventPublisher
from cpaas.platform.deadlines import DEFERRED, EXPIRED, DeadlineSweeper
from cpaas.voice_connector.callbacks import Applied, apply_progress
from cpaas.voice_connector.providers import CallProgress, SendError, VoiceProvider
from cpaas.voice_connector.store import LockedCall, OverdueCall, VoiceStore

log = logging.getLogger(__name__)
FOUND = "found_final"  # the provider knew the call's end: published as its callback
BATCH_ROWS = 50  # a round holds these rows locked while it asks the provider about each
LOOKUPS_IN_FLIGHT = 10


class _CouldNotAsk:
    """The provider could not be asked now (the call is left for the next round)."""


COULD_NOT_ASK = _CouldNotAsk()


def receipt_sweeper(
    store: VoiceStore, provider: VoiceProvider, publisher: EventPublisher, *, service: str, every_seconds: float
) -> DeadlineSweeper:
    lookups = asyncio.Semaphore(LOOKUPS_IN_FLIGHT)

    async def ask(call: OverdueCall) -> CallProgress | _CouldNotAsk | None:
        if call.provider_message_id is None:
            return None
        try:
            async with lookups:
                return await provider.fetch_call(call.provider_message_id)
        except SendError as exc:
            log.warning(
                "could not ask the provider about a call",
                extra={"call_sid": call.provider_message_id, "error": str(exc)},
            )
            return COULD_NOT_ASK if exc.retryable else None

    async def settle_overdue(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        overdue = await store.claim_overdue(conn, limit)
        answers = await asyncio.gather(*(ask(call) for call in overdue))
        outcomes: Counter[str] = Counter()
        expired: list[tuple[OverdueCall, CallProgress | None]] = []
        for call, answer in zip(overdue, answers, strict=True):
            if isinstance(answer, _CouldNotAsk):
                outcomes[DEFERRED] += 1
            elif answer is not None and answer.meaning.status not in (None, MessageStatus.SUBMITTED_OPERATOR):
                applied = await apply_progress(LockedCall(conn, call), answer, publisher)
                outcomes[FOUND if applied is Applied.PUBLISHED else EXPIRED] += 1
                if applied is not Applied.PUBLISHED:
                    expired.append((call, answer))
            else:
                outcomes[EXPIRED] += 1
                expired.append((call, answer))
        said = {call.key: answer.provider_status for call, answer in expired if answer is not None}
        await expire(
            conn, store, publisher, [call for call, _ in expired], carrier_error_code=lambda o: said.get(o.key)
        )
        return dict(outcomes)

    return DeadlineSweeper(
        store.pool, settle_overdue, service=service, every_seconds=every_seconds, batch_rows=BATCH_ROWS
    )
