"""The connector's SQL over its `sms` schema: the send state (the kit's `sends`, one row
per message attempt; FINAL once every segment's final receipt is applied), one row per
segment the provider took (`segments`, keyed by its carrier id), and the receipts that
came before their send was known (`parked_receipts`).

Every statement takes a whole batch (unnest arrays), so a batch costs a few round trips
whatever its size.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cpaas.connector_kit.sends import SEND_COLUMNS, Key, OverdueSend, Send, SendResult, SendStore, key_arrays
from cpaas.contracts import Channel
from cpaas.sms_connector.providers.base import Receipt

FINAL = "FINAL"  # every segment's final receipt applied and the message's final status published
_M_COLUMNS = ", ".join(f"m.{column.strip()}" for column in SEND_COLUMNS.split(","))


@dataclass(frozen=True)
class SmsResult(SendResult):
    """A send's result with the (1-based position, carrier id) of each segment taken."""

    part_ids: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Finished(Send):
    """An accepted message whose every segment now has a final receipt."""

    stats: list[str]
    errors: list[str | None]
    last_receipt_at: datetime | None


@dataclass(frozen=True)
class OverdueSms(OverdueSend):
    """An accepted message past its receipt deadline; `awaited`: its segments' carrier
    ids that have no final receipt."""

    awaited: list[str]


_INSERT_SEGMENTS = """
INSERT INTO segments (carrier_message_id, message_id, attempt, seq)
SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::smallint[])
ON CONFLICT (carrier_message_id) DO NOTHING
"""
# receipt_at is the done date when it is plausible (not before the send, not in the
# future: the date has minute resolution and no zone), else the receipt's arrival.
# A receipt applies only once its send's own event is in Kafka (announced);
# before that it is reported unknown and the caller parks it.
_APPLY_RECEIPTS = """
WITH r AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
                  AS r(id, stat, err, done, arrived)
), known AS (
    SELECT s.carrier_message_id, s.message_id, s.attempt, s.receipt_status IS NULL AS fresh, m.sent_at
    FROM segments s
    JOIN r ON r.id = s.carrier_message_id
    JOIN sends m ON m.message_id = s.message_id AND m.attempt = s.attempt
    WHERE m.announced
), updated AS (
    UPDATE segments s
    SET receipt_status = r.stat, receipt_error = r.err,
        receipt_at = CASE WHEN r.done BETWEEN k.sent_at AND r.arrived THEN r.done ELSE r.arrived END
    FROM r JOIN known k ON k.carrier_message_id = r.id
    WHERE s.carrier_message_id = r.id AND k.fresh AND s.receipt_status IS NULL
    RETURNING s.carrier_message_id
)
SELECT k.carrier_message_id, k.message_id, k.attempt, k.fresh FROM known k
"""
# The sends of a batch of receipts are locked first, in a fixed order, before any
# segment row: two replicas finishing the same message serialise here, and the deadline
# sweep (which holds its sends while it asks the provider, and skips locked ones) never
# waits for a segment row that a receipt transaction holds while waiting for it.
# Returns the carrier ids that are known (their send announced): when none is,
# nothing more is done (held receipts are retried every few ms).
_LOCK_RECEIPTED = """
SELECT s.carrier_message_id FROM sends m
JOIN segments s ON s.message_id = m.message_id AND s.attempt = m.attempt
WHERE s.carrier_message_id = ANY($1::text[]) AND m.announced
ORDER BY m.message_id, m.attempt
FOR UPDATE OF m
"""
_LOCK_ACCEPTED = f"""
SELECT {SEND_COLUMNS}
FROM sends JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
WHERE state = 'ACCEPTED'
ORDER BY message_id, attempt
FOR UPDATE OF sends
"""
_RECEIPTED = """
SELECT message_id, attempt, count(receipt_status) AS receipted,
       array_agg(receipt_status ORDER BY seq) AS stats, array_agg(receipt_error ORDER BY seq) AS errors,
       max(receipt_at) AS last_at
FROM segments JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
GROUP BY message_id, attempt
"""
_FINALISE = """
UPDATE sends m SET state = 'FINAL', receipt_due_at = NULL
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE m.message_id = k.message_id AND m.attempt = k.attempt
"""

_PARK = """
INSERT INTO parked_receipts (carrier_message_id, stat, error, done_at, received_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
ON CONFLICT (carrier_message_id) DO NOTHING
"""
# parked receipts whose send is now known and announced leave the table, to be
# applied in the same transaction; replicas take different ones
_UNPARK_READY = """
WITH ready AS (
    SELECT p.carrier_message_id FROM parked_receipts p
    JOIN segments s ON s.carrier_message_id = p.carrier_message_id
    JOIN sends m ON m.message_id = s.message_id AND m.attempt = s.attempt
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
_CLAIM_OVERDUE = f"""
SELECT {_M_COLUMNS},
       extract(epoch FROM m.receipt_due_at - m.sent_at)::float8 AS deadline_seconds,
       ARRAY(SELECT s.carrier_message_id FROM segments s
             WHERE s.message_id = m.message_id AND s.attempt = m.attempt AND s.receipt_status IS NULL
             ORDER BY s.seq) AS awaited
FROM sends m
WHERE m.receipt_due_at <= now() AND m.state = 'ACCEPTED' AND m.announced
ORDER BY m.receipt_due_at
LIMIT $1
FOR UPDATE OF m SKIP LOCKED
"""

OnFinished = Callable[[list[Finished]], Awaitable[None]]


def _receipt_arrays(receipts: Sequence[Receipt]) -> tuple[list, list, list, list, list]:
    return (
        [r.carrier_message_id for r in receipts],
        [r.stat for r in receipts],
        [r.error for r in receipts],
        [r.done_at for r in receipts],
        [r.received_at for r in receipts],
    )


class SmsStore(SendStore):
    overdue_row = OverdueSms

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool, Channel.SMS)

    async def record_more(
        self, conn: asyncpg.Connection, results: Sequence[SendResult], recorded: Sequence[SendResult]
    ) -> None:
        """The segments every result's send went out as (a receipt finds its message by
        them), in the transaction that records the results."""
        segments = [
            (carrier_id, r.message_id, r.attempt, seq)
            for r in results
            if isinstance(r, SmsResult)
            for seq, carrier_id in r.part_ids
        ]
        if segments:
            await conn.execute(_INSERT_SEGMENTS, *(list(column) for column in zip(*segments, strict=True)))

    async def claim_overdue(self, conn: asyncpg.Connection, limit: int) -> list[OverdueSms]:
        """Lock up to `limit` messages past their receipt deadline (until `conn`'s
        transaction ends), with the segments still awaited."""
        return [OverdueSms(**dict(r)) for r in await conn.fetch(_CLAIM_OVERDUE, limit)]

    async def apply_receipts(
        self, receipts: Sequence[Receipt], on_finished: OnFinished, *, park: Sequence[Receipt] = ()
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
        self, conn: asyncpg.Connection, receipts: Sequence[Receipt], on_finished: OnFinished
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
            await conn.execute(_FINALISE, *key_arrays([f.key for f in finished]))
            await on_finished(finished)
        return {row["carrier_message_id"] for row in known}, {f.key for f in finished}

    async def apply_parked(self, on_finished: OnFinished, limit: int) -> int:
        """Apply up to `limit` parked receipts whose send is now known; how many."""
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

    async def _finished(self, conn: asyncpg.Connection, keys: Sequence[Key]) -> list[Finished]:
        accepted = await conn.fetch(_LOCK_ACCEPTED, *key_arrays(keys))
        if not accepted:
            return []
        receipted = {(r["message_id"], r["attempt"]): r for r in await conn.fetch(_RECEIPTED, *key_arrays(keys))}
        finished = []
        for row in accepted:
            seen = receipted.get((row["message_id"], row["attempt"]))
            if seen is None or seen["receipted"] < row["segments"]:
                continue
            finished.append(
                Finished(
                    **dict(row), stats=list(seen["stats"]), errors=list(seen["errors"]), last_receipt_at=seen["last_at"]
                )
            )
        return finished
