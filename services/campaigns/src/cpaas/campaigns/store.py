"""The campaigns' SQL (schema `campaigns`), as named methods over an asyncpg pool.

Guarantees: a campaign name is unique per account (a constraint); a row's identity is
(campaign, seq), the primary key its message id is made of; the dispatch cursor moves
only from the value its owner read (`commit_batch` answers None when another process
moved it); a message's outcome is written once and only ever upgraded from failed to
delivered, in the same statement as the counters it moves.
"""

import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from cpaas.campaigns.domain.outcomes import Outcome
from cpaas.campaigns.domain.rows import GoodRow, Reason, Rejection, duplicate_reason
from cpaas.campaigns.domain.status import ACTIVE, CampaignStatus
from cpaas.contracts import ErrorCode
from cpaas.platform.api_errors import ApiError

SCHEMA = "campaigns"


@dataclass(frozen=True)
class Campaign:
    id: int
    account_id: int
    name: str
    channel: str
    template_id: int
    template_name: str
    sender_id: str | None
    fallback: list[dict]
    variables: int
    promotional: bool
    status: CampaignStatus
    status_reason: str | None
    pause_code: str | None
    waiting_until: datetime | None
    validated: bool
    scheduled_at: datetime | None
    time_zone: str
    upload_id: uuid.UUID
    file_name: str | None
    file_bytes: int
    total: int
    rejected: int
    refused: int
    sent: int
    delivered: int
    undelivered: int
    estimated_units: int
    last_row: int
    cursor_row: int
    id_time_ms: int | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> "Campaign":
        values = {f.name: row[f.name] for f in fields(cls)}
        values["status"] = CampaignStatus(values["status"])
        values["fallback"] = (
            json.loads(values["fallback"]) if isinstance(values["fallback"], str) else values["fallback"]
        )
        return cls(**values)

    @property
    def processed(self) -> int:
        """Rows done: rejected by validation, refused when sending, or sent."""
        return self.rejected + self.refused + self.sent

    @property
    def failed(self) -> int:
        """Rows that did not reach their recipient: rejected, refused, or undelivered on every level."""
        return self.rejected + self.refused + self.undelivered


@dataclass(frozen=True)
class NewCampaign:
    account_id: int
    name: str
    channel: str
    template_id: int
    template_name: str
    sender_id: str | None
    fallback: list[dict]
    variables: int
    promotional: bool
    scheduled_at: datetime | None
    time_zone: str
    upload_id: uuid.UUID
    file_name: str | None
    file_bytes: int


@dataclass(frozen=True)
class Validated:
    total: int
    rejected: int
    good: int
    last_row: int
    estimated_units: int


_DEDUPE = """
WITH ranked AS (
    SELECT seq, min(line) OVER (PARTITION BY recipient) AS first_line,
           row_number() OVER (PARTITION BY recipient ORDER BY seq) AS n
    FROM recipients WHERE campaign_id = $1
), moved AS (
    DELETE FROM recipients r USING ranked d
    WHERE r.campaign_id = $1 AND r.seq = d.seq AND d.n > 1
    RETURNING r.seq, r.line, r.recipient, r.variables, d.first_line
)
INSERT INTO rejected_rows (campaign_id, seq, line, stage, code, reason, shown)
SELECT $1, seq, line, 'VALIDATION', $2, $3 || first_line || $4, array_to_string(recipient || variables, ',')
FROM moved
"""

_APPLY_OUTCOMES = """
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::smallint[], $6::int[], $7::bool[])
        AS i(campaign_id, seq, account_id, id_time_ms, outcome, attempt, final_failure)
), eligible AS (
    SELECT i.campaign_id, i.seq, i.outcome FROM input i
    JOIN campaigns c ON c.id = i.campaign_id AND c.account_id = i.account_id AND c.id_time_ms = i.id_time_ms
    WHERE i.outcome = 1 OR i.final_failure OR i.attempt > jsonb_array_length(c.fallback)
), changes AS (
    SELECT e.campaign_id, e.seq, e.outcome AS new, o.outcome AS old
    FROM eligible e LEFT JOIN outcomes o ON o.campaign_id = e.campaign_id AND o.seq = e.seq
    WHERE o.outcome IS NULL OR (o.outcome = 2 AND e.outcome = 1)
), written AS (
    INSERT INTO outcomes (campaign_id, seq, outcome) SELECT campaign_id, seq, new FROM changes
    ON CONFLICT (campaign_id, seq) DO UPDATE SET outcome = 1 WHERE outcomes.outcome = 2 AND excluded.outcome = 1
    RETURNING campaign_id, seq
), counted AS (
    SELECT c.campaign_id,
           count(*) FILTER (WHERE c.new = 1) AS delivered,
           count(*) FILTER (WHERE c.new = 2) - count(*) FILTER (WHERE c.old = 2) AS undelivered
    FROM written w JOIN changes c ON c.campaign_id = w.campaign_id AND c.seq = w.seq
    GROUP BY c.campaign_id
)
UPDATE campaigns SET delivered = campaigns.delivered + counted.delivered,
                     undelivered = campaigns.undelivered + counted.undelivered
FROM counted WHERE campaigns.id = counted.campaign_id
"""

_COMMIT_BATCH = """
UPDATE campaigns SET cursor_row = $3, sent = sent + $4, refused = refused + $5, updated_at = now(),
    status = CASE WHEN $3 >= last_row AND status = 'PROCESSING' THEN 'COMPLETED' ELSE status END,
    completed_at = CASE WHEN $3 >= last_row AND status = 'PROCESSING' THEN now() ELSE completed_at END
WHERE id = $1 AND cursor_row = $2
RETURNING status
"""


class CampaignStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # -- the uploaded file -----------------------------------------------------------
    async def add_chunk(self, upload_id: uuid.UUID, chunk: int, data: bytes) -> None:
        await self.pool.execute(
            "INSERT INTO file_chunks (upload_id, chunk, data) VALUES ($1, $2, $3)", upload_id, chunk, data
        )

    async def chunks(self, upload_id: uuid.UUID) -> AsyncIterator[bytes]:
        """The file's chunks in order, one query each (a chunk in memory at a time)."""
        chunk = 0
        while True:
            data = await self.pool.fetchval(
                "SELECT data FROM file_chunks WHERE upload_id = $1 AND chunk = $2", upload_id, chunk
            )
            if data is None:
                return
            yield data
            chunk += 1

    async def delete_upload(self, upload_id: uuid.UUID) -> None:
        await self.pool.execute("DELETE FROM file_chunks WHERE upload_id = $1", upload_id)

    async def delete_orphan_uploads(self, older_than_hours: int) -> int:
        """Chunks of uploads no campaign took (the upload failed, or its process died)."""
        result = await self.pool.execute(
            "DELETE FROM file_chunks f WHERE f.created_at < now() - make_interval(hours => $1)"
            " AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.upload_id = f.upload_id)",
            older_than_hours,
        )
        return int(result.split()[-1])

    # -- campaigns -----------------------------------------------------------------------
    async def create(self, new: NewCampaign) -> Campaign:
        try:
            row = await self.pool.fetchrow(
                "INSERT INTO campaigns (account_id, name, channel, template_id, template_name, sender_id, fallback,"
                " variables, promotional, status, scheduled_at, time_zone, upload_id, file_name, file_bytes)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, 'CREATED', $10, $11, $12, $13, $14) RETURNING *",
                new.account_id,
                new.name,
                new.channel,
                new.template_id,
                new.template_name,
                new.sender_id,
                json.dumps(new.fallback),
                new.variables,
                new.promotional,
                new.scheduled_at,
                new.time_zone,
                new.upload_id,
                new.file_name,
                new.file_bytes,
            )
        except asyncpg.UniqueViolationError as exc:
            raise ApiError(
                ErrorCode.CONFLICT, f"a campaign named {new.name!r} already exists in this account", field="name"
            ) from exc
        return Campaign.of(row)

    async def get(self, campaign_id: int, account_id: int | None = None) -> Campaign | None:
        row = await self.pool.fetchrow(
            "SELECT * FROM campaigns WHERE id = $1 AND ($2::bigint IS NULL OR account_id = $2)", campaign_id, account_id
        )
        return Campaign.of(row) if row else None

    async def search(
        self, account_id: int, *, search: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[list[Campaign], int]:
        rows = await self.pool.fetch(
            "SELECT *, count(*) OVER () AS matching FROM campaigns WHERE account_id = $1"
            " AND ($2::text IS NULL OR strpos(lower(name), lower($2)) > 0) AND ($3::text IS NULL OR status = $3)"
            " ORDER BY id DESC LIMIT $4 OFFSET $5",
            account_id,
            search,
            status,
            limit,
            offset,
        )
        total = rows[0]["matching"] if rows else await self._count(account_id, search, status)
        return [Campaign.of(r) for r in rows], total

    async def _count(self, account_id: int, search: str | None, status: str | None) -> int:
        return await self.pool.fetchval(
            "SELECT count(*) FROM campaigns WHERE account_id = $1"
            " AND ($2::text IS NULL OR strpos(lower(name), lower($2)) > 0) AND ($3::text IS NULL OR status = $3)",
            account_id,
            search,
            status,
        )

    async def transition(
        self,
        campaign_id: int,
        *,
        allowed: Sequence[CampaignStatus],
        status: CampaignStatus,
        reason: str | None = None,
        pause_code: str | None = None,
    ) -> Campaign | None:
        """Move a campaign to `status` if it is in one of `allowed`; None when it was not."""
        row = await self.pool.fetchrow(
            "UPDATE campaigns SET status = $3, status_reason = $4, pause_code = $5, waiting_until = NULL,"
            " updated_at = now(), completed_at = CASE WHEN $3 IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN now()"
            " ELSE completed_at END WHERE id = $1 AND status = ANY($2::text[]) RETURNING *",
            campaign_id,
            [s.value for s in allowed],
            status.value,
            reason,
            pause_code,
        )
        return Campaign.of(row) if row else None

    async def set_waiting(self, campaign_id: int, reason: str | None, until: datetime | None) -> None:
        """Why a runnable campaign waits (schedule, quiet hours), or None once it goes on."""
        await self.pool.execute(
            "UPDATE campaigns SET status_reason = $2, waiting_until = $3, updated_at = now()"
            " WHERE id = $1 AND status IN ('QUEUED', 'PROCESSING')"
            " AND (status_reason IS DISTINCT FROM $2 OR waiting_until IS DISTINCT FROM $3)",
            campaign_id,
            reason,
            until,
        )

    # -- validation ------------------------------------------------------------------------
    async def reset_rows(self, campaign_id: int) -> None:
        """Forget rows of an earlier, interrupted validation of this campaign."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM recipients WHERE campaign_id = $1", campaign_id)
            await conn.execute("DELETE FROM rejected_rows WHERE campaign_id = $1", campaign_id)

    async def copy_rows(self, campaign_id: int, good: list[tuple[GoodRow, int]], rejected: list[Rejection]) -> None:
        """Good rows (with their units) and rejections, by COPY, in one transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            if good:
                await conn.copy_records_to_table(
                    "recipients",
                    schema_name=SCHEMA,
                    columns=("campaign_id", "seq", "line", "recipient", "variables", "units"),
                    records=[(campaign_id, g.seq, g.line, g.recipient, g.variables, units) for g, units in good],
                )
            if rejected:
                await conn.copy_records_to_table(
                    "rejected_rows",
                    schema_name=SCHEMA,
                    columns=("campaign_id", "seq", "line", "stage", "code", "reason", "shown"),
                    records=[
                        (campaign_id, r.seq, r.line, "VALIDATION", r.code.value, r.reason, r.shown) for r in rejected
                    ],
                )

    async def validation_progress(self, campaign_id: int, total: int, rejected: int) -> None:
        await self.pool.execute(
            "UPDATE campaigns SET total = $2, rejected = $3, updated_at = now() WHERE id = $1 AND status = 'CREATED'",
            campaign_id,
            total,
            rejected,
        )

    async def finish_validation(
        self, campaign_id: int, total: int, decide: Callable[[Validated], tuple[CampaignStatus, str | None]]
    ) -> Validated | None:
        """Reject duplicates (every line of a number but its first), count, drop the file,
        and move the campaign where `decide` says (QUEUED or FAILED), in one transaction:
        a crash leaves it CREATED with its file, to validate again. None if it left CREATED."""
        before, after = duplicate_reason(0).split("0", 1)
        async with self.pool.acquire() as conn, conn.transaction():
            status = await conn.fetchval("SELECT status FROM campaigns WHERE id = $1 FOR UPDATE", campaign_id)
            if status != CampaignStatus.CREATED:
                return None
            await conn.execute(_DEDUPE, campaign_id, Reason.DUPLICATE.value, before, after)
            good = await conn.fetchrow(
                "SELECT count(*) AS n, coalesce(max(seq), 0) AS last, coalesce(sum(units), 0) AS units"
                " FROM recipients WHERE campaign_id = $1",
                campaign_id,
            )
            rejected = await conn.fetchval("SELECT count(*) FROM rejected_rows WHERE campaign_id = $1", campaign_id)
            validated = Validated(total, rejected, good["n"], good["last"], good["units"])
            new_status, reason = decide(validated)
            upload = await conn.fetchval(
                "UPDATE campaigns SET validated = true, total = $2, rejected = $3, last_row = $4, estimated_units = $5,"
                " status = $6, status_reason = $7, updated_at = now(),"
                " completed_at = CASE WHEN $6 = 'FAILED' THEN now() END WHERE id = $1 RETURNING upload_id",
                campaign_id,
                total,
                rejected,
                validated.last_row,
                validated.estimated_units,
                new_status.value,
                reason,
            )
            await conn.execute("DELETE FROM file_chunks WHERE upload_id = $1", upload)
        return validated

    async def first_rejected(self, campaign_id: int, limit: int, offset: int = 0) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT seq, line, stage, code, reason, shown FROM rejected_rows WHERE campaign_id = $1"
            " ORDER BY seq LIMIT $2 OFFSET $3",
            campaign_id,
            limit,
            offset,
        )

    async def rejected_batches(self, campaign_id: int, batch: int) -> AsyncIterator[list[asyncpg.Record]]:
        """Every rejected row, in file order, `batch` rows a query (keyset paging)."""
        after = 0
        while True:
            rows = await self.pool.fetch(
                "SELECT seq, line, code, reason, shown FROM rejected_rows WHERE campaign_id = $1 AND seq > $2"
                " ORDER BY seq LIMIT $3",
                campaign_id,
                after,
                batch,
            )
            if not rows:
                return
            yield rows
            after = rows[-1]["seq"]

    # -- dispatch ------------------------------------------------------------------------
    async def accounts_with_work(self) -> list[int]:
        rows = await self.pool.fetch(
            "SELECT DISTINCT account_id FROM campaigns WHERE status = ANY($1::text[])", [s.value for s in ACTIVE]
        )
        return [r["account_id"] for r in rows]

    async def active_campaigns(self, account_id: int) -> list[Campaign]:
        rows = await self.pool.fetch(
            "SELECT * FROM campaigns WHERE account_id = $1 AND status = ANY($2::text[]) ORDER BY id",
            account_id,
            [s.value for s in ACTIVE],
        )
        return [Campaign.of(r) for r in rows]

    async def status_of(self, campaign_id: int) -> CampaignStatus | None:
        value = await self.pool.fetchval("SELECT status FROM campaigns WHERE id = $1", campaign_id)
        return CampaignStatus(value) if value else None

    async def remaining_units(self, campaign_id: int, cursor_row: int) -> tuple[int, int]:
        """(rows, units) of the good rows not yet sent."""
        row = await self.pool.fetchrow(
            "SELECT count(*) AS n, coalesce(sum(units), 0) AS units FROM recipients WHERE campaign_id = $1 AND seq > $2",
            campaign_id,
            cursor_row,
        )
        return row["n"], row["units"]

    async def start(self, campaign_id: int, id_time_ms: int) -> Campaign | None:
        """QUEUED -> PROCESSING; the id time is fixed the first time only."""
        row = await self.pool.fetchrow(
            "UPDATE campaigns SET status = 'PROCESSING', status_reason = NULL, waiting_until = NULL,"
            " id_time_ms = coalesce(id_time_ms, $2), started_at = coalesce(started_at, now()), updated_at = now()"
            " WHERE id = $1 AND status = 'QUEUED' RETURNING *",
            campaign_id,
            id_time_ms,
        )
        return Campaign.of(row) if row else None

    async def rows_after(self, campaign_id: int, cursor_row: int, limit: int) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT seq, line, recipient, variables FROM recipients WHERE campaign_id = $1 AND seq > $2"
            " ORDER BY seq LIMIT $3",
            campaign_id,
            cursor_row,
            limit,
        )

    async def commit_batch(
        self, campaign_id: int, old_cursor: int, new_cursor: int, sent: int, refused: list[Rejection]
    ) -> CampaignStatus | None:
        """Record a published batch: move the cursor (from `old_cursor` only), add the counts,
        store the rows refused when sending, and complete the campaign after its last row.
        None: the cursor had moved (another process owns the campaign now)."""
        async with self.pool.acquire() as conn, conn.transaction():
            status = await conn.fetchval(_COMMIT_BATCH, campaign_id, old_cursor, new_cursor, sent, len(refused))
            if status is None:
                return None
            if refused:
                await conn.executemany(
                    "INSERT INTO rejected_rows (campaign_id, seq, line, stage, code, reason, shown)"
                    " VALUES ($1, $2, $3, 'DISPATCH', $4, $5, $6) ON CONFLICT DO NOTHING",
                    [(campaign_id, r.seq, r.line, r.code.value, r.reason, r.shown) for r in refused],
                )
        return CampaignStatus(status)

    # -- delivery outcomes ---------------------------------------------------------------
    async def apply_outcomes(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        columns: list[list[Any]] = [[], [], [], [], [], [], []]
        for o in outcomes:
            for column, value in zip(
                columns,
                (o.campaign_id, o.row, o.account_id, o.id_time_ms, o.outcome, o.attempt, o.final_failure),
                strict=True,
            ):
                column.append(value)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_APPLY_OUTCOMES, *columns)
