"""The connector's SQL over its `sms` schema: what was claimed, sent, and receipted.

Every statement takes a whole batch (unnest arrays), so a batch costs a few round trips
whatever its size.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cpaas.contracts import MessageSubmittedV1
from cpaas.sms_connector.domain.receipts import Receipt

Key = tuple[str, int]  # (message id, attempt)

SUBMITTING, SUBMITTED, REFUSED, FINAL = "SUBMITTING", "SUBMITTED", "REFUSED", "FINAL"


@dataclass(frozen=True)
class Submission:
    """A claimed message attempt as the table has it."""

    message_id: str
    attempt: int
    status: str
    segments: int | None
    carrier_message_id: str | None
    submitted_at: datetime | None
    error_code: str | None
    error_detail: str | None
    carrier_error_code: str | None
    announced: bool


@dataclass(frozen=True)
class SendRecord:
    """What to write once a message was sent (SUBMITTED) or not (REFUSED)."""

    message_id: str
    attempt: int
    status: str
    segments: int | None
    carrier_ids: Sequence[tuple[int, str]]  # (seq, carrier message id) of accepted segments
    submitted_at: datetime
    error_code: str | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None

    @property
    def carrier_message_id(self) -> str | None:
        return self.carrier_ids[0][1] if self.carrier_ids else None


@dataclass(frozen=True)
class Finished:
    """A SUBMITTED message whose every segment now has a final receipt."""

    message_id: str
    attempt: int
    account_id: int
    recipient: str
    template_id: int
    sender_id: str | None
    campaign_id: int | None
    segments: int
    carrier_message_id: str | None
    submitted_at: datetime | None
    stats: list[str]
    errors: list[str | None]
    last_receipt_at: datetime | None


_CLAIM = """
INSERT INTO submissions (message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id)
SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bigint[])
ON CONFLICT (message_id, attempt) DO NOTHING
"""
_CLAIMED = """
SELECT m.message_id, m.attempt, m.status, m.segments, m.carrier_message_id, m.submitted_at,
       m.error_code, m.error_detail, m.carrier_error_code, m.announced
FROM submissions m JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
"""
_INSERT_SEGMENTS = """
INSERT INTO segments (carrier_message_id, message_id, attempt, seq)
SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::smallint[])
ON CONFLICT (carrier_message_id) DO NOTHING
"""
# an accepted message awaits its receipts until its deadline ($10 seconds after acceptance)
_RECORD_SENT = """
UPDATE submissions m
SET status = u.status, segments = u.segments, carrier_message_id = u.carrier_message_id,
    submitted_at = u.submitted_at, error_code = u.error_code, error_detail = u.error_detail,
    carrier_error_code = u.carrier_error_code,
    receipt_due_at = CASE WHEN u.status = 'SUBMITTED' THEN u.submitted_at + $10::float8 * interval '1 second' END
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::smallint[], $5::text[], $6::timestamptz[],
            $7::text[], $8::text[], $9::text[])
     AS u(message_id, attempt, status, segments, carrier_message_id, submitted_at,
          error_code, error_detail, carrier_error_code)
WHERE m.message_id = u.message_id AND m.attempt = u.attempt AND m.status = 'SUBMITTING'
"""
_ANNOUNCED = """
UPDATE submissions m SET announced = true
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE m.message_id = k.message_id AND m.attempt = k.attempt AND NOT m.announced
"""
# receipt_at is the done date when it is plausible (not before the submission, not in the
# future: the date has minute resolution and no zone), else the receipt's arrival.
# A receipt applies only once its submission's own event is in Kafka (announced);
# before that it is reported unknown and the caller parks it.
_APPLY_RECEIPTS = """
WITH r AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
                  AS r(id, stat, err, done, arrived)
), known AS (
    SELECT s.carrier_message_id, s.message_id, s.attempt, s.receipt_status IS NULL AS fresh, m.submitted_at
    FROM segments s
    JOIN r ON r.id = s.carrier_message_id
    JOIN submissions m ON m.message_id = s.message_id AND m.attempt = s.attempt
    WHERE m.announced
), updated AS (
    UPDATE segments s
    SET receipt_status = r.stat, receipt_error = r.err,
        receipt_at = CASE WHEN r.done BETWEEN k.submitted_at AND r.arrived THEN r.done ELSE r.arrived END
    FROM r JOIN known k ON k.carrier_message_id = r.id
    WHERE s.carrier_message_id = r.id AND k.fresh AND s.receipt_status IS NULL
    RETURNING s.carrier_message_id
)
SELECT k.carrier_message_id, k.message_id, k.attempt, k.fresh FROM known k
"""
# The submissions of a batch of receipts are locked first, in a fixed order, before any
# segment row: two replicas finishing the same message serialise here, and the deadline
# sweep (which holds its submissions while it asks the SMSC, and skips locked ones) never
# waits for a segment row that a receipt transaction holds while waiting for it.
# Returns the carrier ids that are known (their submission announced): when none is,
# nothing more is done (held receipts are retried every few ms).
_LOCK_RECEIPTED = """
SELECT s.carrier_message_id FROM submissions m
JOIN segments s ON s.message_id = m.message_id AND s.attempt = m.attempt
WHERE s.carrier_message_id = ANY($1::text[]) AND m.announced
ORDER BY m.message_id, m.attempt
FOR UPDATE OF m
"""
_LOCK_SUBMITTED = """
SELECT m.message_id, m.attempt, m.account_id, m.recipient, m.template_id, m.sender_id, m.campaign_id,
       m.segments, m.carrier_message_id, m.submitted_at
FROM submissions m JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
WHERE m.status = 'SUBMITTED'
ORDER BY m.message_id, m.attempt
FOR UPDATE OF m
"""
_RECEIPTED = """
SELECT message_id, attempt, count(receipt_status) AS receipted,
       array_agg(receipt_status ORDER BY seq) AS stats, array_agg(receipt_error ORDER BY seq) AS errors,
       max(receipt_at) AS last_at
FROM segments JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
GROUP BY message_id, attempt
"""
_FINALISE = """
UPDATE submissions m SET status = 'FINAL', receipt_due_at = NULL
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE m.message_id = k.message_id AND m.attempt = k.attempt
"""

_PARK = """
INSERT INTO parked_receipts (carrier_message_id, stat, error, done_at, received_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
ON CONFLICT (carrier_message_id) DO NOTHING
"""
# parked receipts whose submission is now known and announced leave the table, to be
# applied in the same transaction; replicas take different ones
_UNPARK_READY = """
WITH ready AS (
    SELECT p.carrier_message_id FROM parked_receipts p
    JOIN segments s ON s.carrier_message_id = p.carrier_message_id
    JOIN submissions m ON m.message_id = s.message_id AND m.attempt = s.attempt
    WHERE m.announced
    ORDER BY p.parked_at
    LIMIT $1
    FOR UPDATE OF p SKIP LOCKED
)
DELETE FROM parked_receipts p USING ready r WHERE p.carrier_message_id = r.carrier_message_id
RETURNING p.carrier_message_id, p.stat, p.error, p.done_at, p.received_at
"""
_DROP_PARKED = """
WITH doomed AS (
    SELECT carrier_message_id FROM parked_receipts
    WHERE parked_at < now() - $1::float8 * interval '1 second'
    ORDER BY parked_at LIMIT $2 FOR UPDATE SKIP LOCKED
)
DELETE FROM parked_receipts p USING doomed d WHERE p.carrier_message_id = d.carrier_message_id
RETURNING p.carrier_message_id
"""
# Accepted messages past their receipt deadline whose SUBMITTED_OPERATOR is in Kafka,
# with the carrier ids of their segments that have no final receipt yet; replicas
# sweeping at once skip each other's rows (and those a receipt transaction holds).
_CLAIM_OVERDUE = """
SELECT m.message_id, m.attempt, m.account_id, m.recipient, m.template_id, m.sender_id, m.campaign_id,
       m.segments, m.carrier_message_id, m.submitted_at,
       extract(epoch FROM m.receipt_due_at - m.submitted_at)::float8 AS deadline_seconds,
       ARRAY(SELECT s.carrier_message_id FROM segments s
             WHERE s.message_id = m.message_id AND s.attempt = m.attempt AND s.receipt_status IS NULL
             ORDER BY s.seq) AS awaited
FROM submissions m
WHERE m.receipt_due_at <= now() AND m.status = 'SUBMITTED' AND m.announced
ORDER BY m.receipt_due_at
LIMIT $1
FOR UPDATE OF m SKIP LOCKED
"""
# expired once: out of every later sweep; status stays SUBMITTED so a late receipt still applies
_MARK_EXPIRED = """
UPDATE submissions m SET receipt_due_at = NULL, receipt_expired_at = now()
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE m.message_id = k.message_id AND m.attempt = k.attempt
"""


@dataclass(frozen=True)
class Overdue:
    """An accepted message past its receipt deadline; `awaited`: its segments' carrier
    ids that have no final receipt; `deadline_seconds`: the deadline it had."""

    message_id: str
    attempt: int
    account_id: int
    recipient: str
    template_id: int
    sender_id: str | None
    campaign_id: int | None
    segments: int
    carrier_message_id: str | None
    submitted_at: datetime
    deadline_seconds: float
    awaited: list[str]

    @property
    def key(self) -> Key:
        return (self.message_id, self.attempt)


def _receipt_arrays(receipts: Sequence[Receipt]) -> tuple[list, list, list, list, list]:
    return (
        [r.carrier_message_id for r in receipts],
        [r.stat for r in receipts],
        [r.error for r in receipts],
        [r.done_at for r in receipts],
        [r.received_at for r in receipts],
    )


def _key_arrays(keys: Sequence[Key]) -> tuple[list[str], list[int]]:
    return [k[0] for k in keys], [k[1] for k in keys]


class SmsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def claim(self, events: Sequence[MessageSubmittedV1]) -> dict[Key, Submission]:
        """Insert a SUBMITTING row per new message attempt; return every attempt's row."""
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
        return {(r["message_id"], r["attempt"]): Submission(**dict(r)) for r in rows}

    async def record(self, records: Sequence[SendRecord], *, receipt_deadline_seconds: float) -> None:
        """Write the segments and the outcome of sent or refused attempts, in one
        transaction; an accepted one awaits its receipts until `receipt_deadline_seconds`
        after its acceptance."""
        if not records:
            return
        segments = [(cid, r.message_id, r.attempt, seq) for r in records for seq, cid in r.carrier_ids]
        async with self.pool.acquire() as conn, conn.transaction():
            if segments:
                await conn.execute(_INSERT_SEGMENTS, *(list(column) for column in zip(*segments, strict=True)))
            await conn.execute(
                _RECORD_SENT,
                [r.message_id for r in records],
                [r.attempt for r in records],
                [r.status for r in records],
                [r.segments for r in records],
                [r.carrier_message_id for r in records],
                [r.submitted_at for r in records],
                [r.error_code for r in records],
                [r.error_detail for r in records],
                [r.carrier_error_code for r in records],
                receipt_deadline_seconds,
            )

    async def mark_announced(self, keys: Sequence[Key]) -> None:
        if keys:
            await self.pool.execute(_ANNOUNCED, *_key_arrays(keys))

    async def apply_receipts(
        self,
        receipts: Sequence[Receipt],
        on_finished: Callable[[list[Finished]], Awaitable[None]],
        *,
        park: Sequence[Receipt] = (),
    ) -> tuple[set[str], set[str]]:
        """Record final receipts; for messages now fully receipted call `on_finished`
        inside the transaction, so they are marked FINAL only once it returned (it
        publishes). The receipts of `park` whose carrier id is not known are stored in
        `parked_receipts` in the same transaction. Returns the carrier ids that were
        known, and those parked: both are durable once this returns."""
        async with self.pool.acquire() as conn, conn.transaction():
            known, _ = await self.apply_on(conn, receipts, on_finished)
            parked = [r for r in park if r.carrier_message_id not in known]
            if parked:
                await conn.execute(_PARK, *_receipt_arrays(parked))
        return known, {r.carrier_message_id for r in parked}

    async def apply_on(
        self,
        conn: asyncpg.Connection,
        receipts: Sequence[Receipt],
        on_finished: Callable[[list[Finished]], Awaitable[None]],
    ) -> tuple[set[str], set[Key]]:
        """`apply_receipts` inside the caller's transaction: the known carrier ids and the
        messages it finished."""
        if not receipts:
            return set(), set()
        locked = await conn.fetch(_LOCK_RECEIPTED, [r.carrier_message_id for r in receipts])
        found = {row["carrier_message_id"] for row in locked}
        receipts = [r for r in receipts if r.carrier_message_id in found]
        if not receipts:
            return set(), set()
        known = await conn.fetch(_APPLY_RECEIPTS, *_receipt_arrays(receipts))
        touched = sorted({(row["message_id"], row["attempt"]) for row in known if row["fresh"]})
        finished = await self._finished(conn, touched) if touched else []
        if finished:
            await conn.execute(_FINALISE, *_key_arrays([(f.message_id, f.attempt) for f in finished]))
            await on_finished(finished)
        return {row["carrier_message_id"] for row in known}, {(f.message_id, f.attempt) for f in finished}

    async def apply_parked(self, on_finished: Callable[[list[Finished]], Awaitable[None]], limit: int) -> int:
        """Apply up to `limit` parked receipts whose submission is now known; how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_UNPARK_READY, limit)
            receipts = [
                Receipt(r["carrier_message_id"], r["stat"], r["error"], r["done_at"], r["received_at"]) for r in rows
            ]
            await self.apply_on(conn, receipts, on_finished)
        return len(receipts)

    async def drop_parked(self, older_than_seconds: float, limit: int) -> list[str]:
        """Delete parked receipts older than that; their carrier ids."""
        rows = await self.pool.fetch(_DROP_PARKED, older_than_seconds, limit)
        return [r["carrier_message_id"] for r in rows]

    async def claim_overdue(self, conn: asyncpg.Connection, limit: int) -> list[Overdue]:
        """Lock up to `limit` messages past their receipt deadline (until `conn`'s transaction ends)."""
        return [Overdue(**dict(r)) for r in await conn.fetch(_CLAIM_OVERDUE, limit)]

    async def mark_expired(self, conn: asyncpg.Connection, keys: Sequence[Key]) -> None:
        if keys:
            await conn.execute(_MARK_EXPIRED, *_key_arrays(keys))

    async def _finished(self, conn: asyncpg.Connection, keys: Sequence[Key]) -> list[Finished]:
        submitted = await conn.fetch(_LOCK_SUBMITTED, *_key_arrays(keys))
        if not submitted:
            return []
        receipted = {(r["message_id"], r["attempt"]): r for r in await conn.fetch(_RECEIPTED, *_key_arrays(keys))}
        finished = []
        for row in submitted:
            seen = receipted.get((row["message_id"], row["attempt"]))
            if seen is None or seen["receipted"] < row["segments"]:
                continue
            finished.append(
                Finished(
                    **dict(row), stats=list(seen["stats"]), errors=list(seen["errors"]), last_receipt_at=seen["last_at"]
                )
            )
        return finished
