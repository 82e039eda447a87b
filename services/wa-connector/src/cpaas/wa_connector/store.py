"""The connector's SQL over its `wa` schema: sends, applied provider statuses, template
registrations. Batch statements take arrays (unnest), so a batch costs a few round trips."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cpaas.contracts import MessageStatus, MessageSubmittedV1, can_transition
from cpaas.contracts.ids import is_message_id
from cpaas.wa_connector.channel import StatusUpdate, TemplateVerdict

Key = tuple[str, int]  # (message id, attempt)
SENDING, ACCEPTED, REFUSED = "SENDING", "ACCEPTED", "REFUSED"
REGISTERING = "REGISTERING"


@dataclass(frozen=True)
class SendRecord:
    """An attempt's send outcome: as the table has it (claim) or as it is to be written."""

    message_id: str
    attempt: int
    state: str
    wamid: str | None = None
    phone_number_id: str | None = None
    sent_at: datetime | None = None
    error_code: str | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None
    announced: bool = False


@dataclass(frozen=True)
class SentMessage:
    """A sent attempt, as a provider status needs it to become a status event."""

    message_id: str
    attempt: int
    account_id: int
    recipient: str
    template_id: int
    sender_id: str | None
    campaign_id: int | None
    wamid: str | None
    status: str | None

    @property
    def key(self) -> Key:
        return (self.message_id, self.attempt)


@dataclass(frozen=True)
class OverdueSend(SentMessage):
    """A sent attempt whose receipt deadline passed; `deadline_seconds` is the one it had."""

    deadline_seconds: float


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


_CLAIM = """
INSERT INTO sends (message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id)
SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bigint[])
ON CONFLICT (message_id, attempt) DO NOTHING
"""
_CLAIMED = """
SELECT message_id, attempt, state, wamid, phone_number_id, sent_at, error_code, error_detail, carrier_error_code,
       announced
FROM sends JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
"""
# a webhook may have moved `status` on already (it arrived before this write): keep it,
# and await a receipt (from `sent_at` + $10 seconds) only while none has come
_RECORD = """
UPDATE sends s
SET state = u.state, wamid = COALESCE(u.wamid, s.wamid), phone_number_id = u.phone_number_id, sent_at = u.sent_at,
    error_code = u.error_code, error_detail = u.error_detail, carrier_error_code = u.carrier_error_code,
    status = CASE WHEN u.state = 'ACCEPTED' THEN COALESCE(s.status, 'SUBMITTED_OPERATOR') ELSE 'FAILED' END,
    receipt_due_at = CASE WHEN u.state = 'ACCEPTED' AND s.status IS NULL
                          THEN u.sent_at + make_interval(secs => $10) END
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
            $7::text[], $8::text[], $9::text[])
     AS u(message_id, attempt, state, wamid, phone_number_id, sent_at, error_code, error_detail, carrier_error_code)
WHERE s.message_id = u.message_id AND s.attempt = u.attempt AND s.state = 'SENDING'
"""
_ANNOUNCED = """
UPDATE sends s SET announced = true
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE s.message_id = k.message_id AND s.attempt = k.attempt AND NOT s.announced
"""
# Row locks in a fixed order serialise concurrent webhooks (and the send path) on one message.
_LOCK_SENT = """
SELECT message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id, wamid, status
FROM sends
WHERE wamid = ANY($1::text[]) OR (message_id, attempt) IN (SELECT * FROM unnest($2::text[], $3::smallint[]))
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
UPDATE sends s SET status = u.status, wamid = COALESCE(s.wamid, u.wamid), receipt_due_at = NULL
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[]) AS u(message_id, attempt, status, wamid)
WHERE s.message_id = u.message_id AND s.attempt = u.attempt
"""
# Attempts past their receipt deadline whose SUBMITTED_OPERATOR is in Kafka; replicas
# sweeping at once skip each other's rows (and the webhook path's: it locks them too).
_CLAIM_OVERDUE = """
SELECT message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id, wamid, status,
       extract(epoch FROM receipt_due_at - sent_at)::float8 AS deadline_seconds
FROM sends
WHERE receipt_due_at <= now() AND announced AND status = 'SUBMITTED_OPERATOR'
ORDER BY receipt_due_at
LIMIT $1
FOR UPDATE SKIP LOCKED
"""
_MARK_EXPIRED = """
UPDATE sends s SET receipt_due_at = NULL, receipt_expired_at = now()
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE s.message_id = k.message_id AND s.attempt = k.attempt
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


def _key_arrays(keys: Sequence[Key]) -> tuple[list[str], list[int]]:
    return [k[0] for k in keys], [k[1] for k in keys]


def reference(message_id: str, attempt: int) -> str:
    """What the provider echoes back in status webhooks: our message id and attempt."""
    return f"{message_id}:{attempt}"


def parse_reference(value: str | None) -> Key | None:
    message_id, _, attempt = (value or "").rpartition(":")
    if is_message_id(message_id) and attempt.isdigit():
        return (message_id, int(attempt))
    return None


class WaStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def claim(self, events: Sequence[MessageSubmittedV1]) -> dict[Key, SendRecord]:
        """Insert a SENDING row per new message attempt; return every attempt's row."""
        async with self.pool.acquire() as conn:
            await conn.execute(
                _CLAIM,
                [e.message_id for e in events],
                [e.attempt for e in events],
                [e.account_id for e in events],
                [e.recipient for e in events],
                [e.template_id for e in events],
                [e.sender_id for e in events],
                [e.campaign_id for e in events],
            )
            rows = await conn.fetch(_CLAIMED, *_key_arrays([(e.message_id, e.attempt) for e in events]))
        return {(r["message_id"], r["attempt"]): SendRecord(**dict(r)) for r in rows}

    async def record(self, records: Sequence[SendRecord], *, receipt_deadline_seconds: float) -> None:
        """Write the outcome of sends (ACCEPTED with the wamid, or REFUSED with why); an
        accepted one awaits its receipt until `receipt_deadline_seconds` after its acceptance."""
        if not records:
            return
        await self.pool.execute(
            _RECORD,
            [r.message_id for r in records],
            [r.attempt for r in records],
            [r.state for r in records],
            [r.wamid for r in records],
            [r.phone_number_id for r in records],
            [r.sent_at for r in records],
            [r.error_code for r in records],
            [r.error_detail for r in records],
            [r.carrier_error_code for r in records],
            receipt_deadline_seconds,
        )

    async def mark_announced(self, keys: Sequence[Key]) -> None:
        if keys:
            await self.pool.execute(_ANNOUNCED, *_key_arrays(keys))

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
                _LOCK_SENT, [u.provider_message_id for u in updates], *_key_arrays([r for r in refs if r])
            )
            sent = [SentMessage(**dict(r)) for r in rows]
            by_key = {m.key: m for m in sent}
            by_wamid = {m.wamid: m for m in sent if m.wamid}
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

    async def claim_overdue(self, conn: asyncpg.Connection, limit: int) -> list[OverdueSend]:
        """Lock up to `limit` attempts past their receipt deadline (until `conn`'s transaction ends)."""
        return [OverdueSend(**dict(r)) for r in await conn.fetch(_CLAIM_OVERDUE, limit)]

    async def mark_expired(self, conn: asyncpg.Connection, keys: Sequence[Key]) -> None:
        """Expired once: the attempts leave every later sweep; their `status` stays, so a late
        receipt is still applied."""
        if keys:
            await conn.execute(_MARK_EXPIRED, *_key_arrays(keys))

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
