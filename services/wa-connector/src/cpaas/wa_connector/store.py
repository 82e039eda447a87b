"""The connector's SQL over its `wa` schema: the send state (the kit's `sends`, with the
WABA number a send went from and our latest status of it), the provider statuses
applied, template registrations. Batch statements take arrays (unnest), so a batch
costs a few round trips."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

from cpaas.connector_kit.sends import SEND_COLUMNS, Key, Send, SendResult, SendStore, key_arrays
from cpaas.contracts import Channel, MessageStatus, can_transition
from cpaas.contracts.ids import is_message_id
from cpaas.wa_connector.providers.base import StatusUpdate, TemplateVerdict

REGISTERING = "REGISTERING"


@dataclass(frozen=True)
class SentMessage(Send):
    """A send with our latest status of it (moves forward only; None until recorded)."""

    status: str | None


@dataclass(frozen=True)
class OverdueMessage(SentMessage):
    deadline_seconds: float


@dataclass(frozen=True)
class WaResult(SendResult):
    """A send's result and the WABA number it went (or would have gone) from."""

    phone_number_id: str | None = None


@dataclass(frozen=True)
class StatusChange:
    message: SentMessage
    update: StatusUpdate


@dataclass(frozen=True)
class Registration:
    id: int
    submission_id: str
    template_id: int
    account_id: int
    waba_id: str | None
    name: str
    language: str
    provider_template_id: str | None
    status: str
    reason: str | None


# Row locks in a fixed order serialise concurrent webhooks (and the send path) on one message.
_COLUMNS = f"{SEND_COLUMNS}, status"
_LOCK_SENT = f"""
SELECT {_COLUMNS}
FROM sends
WHERE provider_message_id = ANY($1::text[]) OR (message_id, attempt) IN (SELECT * FROM unnest($2::text[], $3::smallint[]))
ORDER BY message_id, attempt
FOR UPDATE
"""
_RECORD_PROVIDER_STATUSES = """
INSERT INTO webhook_statuses (wamid, provider_status, message_id, attempt, occurred_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::timestamptz[])
ON CONFLICT (wamid, provider_status) DO NOTHING
RETURNING wamid, provider_status
"""
# every status that moves an attempt on is a receipt: no deadline any more
_MOVE_STATUS = """
UPDATE sends s SET status = u.status, provider_message_id = COALESCE(s.provider_message_id, u.wamid),
                   receipt_due_at = NULL
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[]) AS u(message_id, attempt, status, wamid)
WHERE s.message_id = u.message_id AND s.attempt = u.attempt
"""
_REGISTRATION_COLUMNS = (
    "id, submission_id, template_id, account_id, waba_id, name, language, provider_template_id, status, reason"
)
_BEGIN_REGISTRATION = """
INSERT INTO templates (submission_id, template_id, account_id, waba_id, name, language)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (submission_id) DO NOTHING
"""
_FINISH_REGISTRATION = f"""
UPDATE templates SET status = $2, reason = $3, provider_template_id = $4, updated_at = now()
WHERE id = $1 AND status = 'REGISTERING'
RETURNING {_REGISTRATION_COLUMNS}
"""
_FIND_FOR_VERDICT = f"""
SELECT {_REGISTRATION_COLUMNS} FROM templates
WHERE provider_template_id = $1
   OR (provider_template_id IS NULL AND waba_id = $2 AND name = $3 AND language = $4)
ORDER BY provider_template_id = $1 DESC NULLS LAST, id DESC
LIMIT 1
FOR UPDATE
"""
_APPLY_VERDICT = f"""
UPDATE templates SET status = $2, reason = $3, provider_template_id = COALESCE(provider_template_id, $4),
                     updated_at = now()
WHERE id = $1
RETURNING {_REGISTRATION_COLUMNS}
"""


def reference(message_id: str, attempt: int) -> str:
    """What the provider echoes back in status webhooks: our message id and attempt."""
    return f"{message_id}:{attempt}"


def parse_reference(value: str | None) -> Key | None:
    message_id, _, attempt = (value or "").rpartition(":")
    if is_message_id(message_id) and attempt.isdigit():
        return (message_id, int(attempt))
    return None


# the attempts just recorded: from which WABA number, and our status of them. A webhook may
# have moved `status` on already (it arrived before the result was written): it is kept,
# and no receipt is awaited any more.
_RECORD_MORE = """
UPDATE sends s
SET phone_number_id = u.phone_number_id,
    status = CASE WHEN s.state = 'ACCEPTED' THEN COALESCE(s.status, 'SUBMITTED_OPERATOR') ELSE 'FAILED' END,
    receipt_due_at = CASE WHEN s.status IS NULL THEN s.receipt_due_at END
FROM unnest($1::text[], $2::smallint[], $3::text[]) AS u(message_id, attempt, phone_number_id)
WHERE s.message_id = u.message_id AND s.attempt = u.attempt
"""


class WaStore(SendStore):
    row = SentMessage
    overdue_row = OverdueMessage
    columns = _COLUMNS

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool, Channel.WHATSAPP)

    async def record_more(
        self, conn: asyncpg.Connection, results: Sequence[SendResult], recorded: Sequence[SendResult]
    ) -> None:
        if recorded:
            await conn.execute(
                _RECORD_MORE,
                *key_arrays([r.key for r in recorded]),
                [r.phone_number_id if isinstance(r, WaResult) else None for r in recorded],
            )

    async def apply_statuses(
        self, updates: Sequence[StatusUpdate], on_changes: Callable[[list[StatusChange]], Awaitable[None]]
    ) -> list[tuple[StatusUpdate, str]]:
        """Record provider statuses once each; those that move their attempt's status
        forward are handed to `on_changes` inside the transaction (it publishes), so a
        status is recorded as applied only once its event is in Kafka.
        Returns each update with its outcome: applied, recorded (nothing to publish),
        duplicate, late (the attempt is already past it) or unknown (not our message)."""
        refs = [parse_reference(u.reference) for u in updates]
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                _LOCK_SENT, [u.provider_message_id for u in updates], *key_arrays([r for r in refs if r])
            )
            sent = [SentMessage(**dict(r)) for r in rows]
            by_key = {m.key: m for m in sent}
            by_wamid = {m.provider_message_id: m for m in sent if m.provider_message_id}
            matched = [
                (u, (by_key.get(ref) if ref else None) or by_wamid.get(u.provider_message_id))
                for u, ref in zip(updates, refs, strict=True)
            ]
            known = [(u, m) for u, m in matched if m is not None]
            fresh = await self._record_provider_statuses(conn, known)
            outcomes, changes = _transitions(matched, fresh)
            if changes:
                latest = list({c.message.key: c for c in changes}.values())  # one row per attempt in an UPDATE
                await conn.execute(
                    _MOVE_STATUS,
                    [c.message.message_id for c in latest],
                    [c.message.attempt for c in latest],
                    [str(c.update.status) for c in latest],
                    [c.update.provider_message_id for c in latest],
                )
                await on_changes(changes)
        return outcomes

    async def _record_provider_statuses(
        self, conn: asyncpg.Connection, known: list[tuple[StatusUpdate, SentMessage]]
    ) -> set[tuple[str, str]]:
        if not known:
            return set()
        rows = await conn.fetch(
            _RECORD_PROVIDER_STATUSES,
            [u.provider_message_id for u, _ in known],
            [u.provider_status for u, _ in known],
            [m.message_id for _, m in known],
            [m.attempt for _, m in known],
            [u.occurred_at for u, _ in known],
        )
        return {(r["wamid"], r["provider_status"]) for r in rows}

    async def registration(self, submission_id: str) -> Registration | None:
        row = await self.pool.fetchrow(
            f"SELECT {_REGISTRATION_COLUMNS} FROM templates WHERE submission_id = $1", submission_id
        )
        return Registration(**dict(row)) if row else None

    async def begin_registration(
        self, submission_id: str, template_id: int, account_id: int, waba_id: str | None, name: str, language: str
    ) -> Registration:
        await self.pool.execute(_BEGIN_REGISTRATION, submission_id, template_id, account_id, waba_id, name, language)
        registration = await self.registration(submission_id)
        assert registration is not None
        return registration

    async def finish_registration(
        self,
        registration_id: int,
        status: str,
        *,
        reason: str | None,
        provider_template_id: str | None,
        on_changed: Callable[[Registration], Awaitable[None]],
    ) -> bool:
        """Move a REGISTERING row to `status`, calling `on_changed` (it publishes) inside
        the transaction; False when a verdict got there first (nothing to do)."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_FINISH_REGISTRATION, registration_id, status, reason, provider_template_id)
            if row is None:
                return False
            await on_changed(Registration(**dict(row)))
        return True

    async def apply_verdict(
        self, verdict: TemplateVerdict, on_changed: Callable[[Registration], Awaitable[None]]
    ) -> str:
        """Apply a provider's verdict once (publishing inside the transaction); returns
        applied, duplicate, ignored (an event we do not act on) or unknown."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                _FIND_FOR_VERDICT, verdict.provider_template_id, verdict.waba_id, verdict.name, verdict.language
            )
            if row is None:
                return "unknown"
            if verdict.status is None:
                return "ignored"
            if (row["status"], row["reason"]) == (verdict.status, verdict.reason):
                return "duplicate"
            updated = await conn.fetchrow(
                _APPLY_VERDICT, row["id"], verdict.status, verdict.reason, verdict.provider_template_id
            )
            await on_changed(Registration(**dict(updated)))
        return "applied"


def _transitions(
    matched: list[tuple[StatusUpdate, SentMessage | None]], fresh: set[tuple[str, str]]
) -> tuple[list[tuple[StatusUpdate, str]], list[StatusChange]]:
    """Which updates move their attempt forward (in the order received)."""
    current = {m.key: m.status for _, m in matched if m is not None}
    outcomes: list[tuple[StatusUpdate, str]] = []
    changes: list[StatusChange] = []
    for update, message in matched:
        if message is None:
            outcomes.append((update, "unknown"))
            continue
        first_time = (update.provider_message_id, update.provider_status)
        if first_time not in fresh:
            outcomes.append((update, "duplicate"))
            continue
        fresh.discard(first_time)  # the same status twice in one webhook counts once
        if update.status is None:
            outcomes.append((update, "recorded"))
            continue
        now = MessageStatus(current[message.key]) if current[message.key] else MessageStatus.SUBMITTED
        if not can_transition(now, update.status):
            outcomes.append((update, "late"))
            continue
        current[message.key] = update.status
        changes.append(StatusChange(message, update))
        outcomes.append((update, "applied"))
    return outcomes, changes
