"""The message log's SQL: one transaction per batch, a handful of set-based statements.

Per batch, in one transaction (READ COMMITTED):
1. UPSERT_MESSAGES inserts the rows of new messages, already in their final state, and
   locks the rows of known ones (ON CONFLICT DO UPDATE locks even the rows its WHERE
   leaves unchanged), in message id order so that concurrent batches cannot deadlock.
   Every writer of a message therefore waits here for the one before it to commit.
2. UPSERT_ATTEMPTS applies each round of attempt updates (domain.fold_attempt), with the
   times as reported (provider_*_at).
3. INSERT_EVENTS appends the history; a duplicate event id is ignored.
4. CAUSAL_ATTEMPTS and CAUSAL_EVENTS put the shown times and the history in causal order
   (migration 0007), whatever order the events arrived in.
5. PROJECT_MESSAGES sets each touched message row to the state of its highest attempt
   (RETRYING while that attempt failed and a fallback level remains: the router opens
   it); a new statement, so it sees every attempt committed by the writers it waited for.
6. FLUSH_ROLLUPS applies the rollup deltas that the triggers on `messages` recorded for
   this transaction (migration 0008): -1 on a changed row's old key, +1 on its new one,
   summed and upserted in key order, so the charts' counts commit with the log.
Rows that would not change are not written, so redelivered batches cost only reads.
"""

import json
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from cpaas.contracts.events import MessageChargedV1
from cpaas.reporting.domain import STATUS_RANK, AttemptUpdate, BatchPlan, EventRow, MessageRow, message_status

log = logging.getLogger(__name__)

UPSERT_MESSAGES = """
INSERT INTO messages AS m (
    message_id, created_at, account_id, recipient, channel, primary_channel, attempt, status, status_rank,
    status_at, template_id, template_name, sender_id, campaign_id, submitted_at, sent_at, delivered_at, read_at,
    error_code, error_detail, carrier_error_code, carrier_message_id, segments, fallback_levels)
SELECT * FROM unnest(
    $1::text[], $2::timestamptz[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[],
    $9::smallint[], $10::timestamptz[], $11::bigint[], $12::text[], $13::text[], $14::bigint[],
    $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::text[], $20::text[],
    $21::text[], $22::text[], $23::int[], $24::int[])
ORDER BY 1
ON CONFLICT (message_id, created_at) DO UPDATE SET
    campaign_id = COALESCE(m.campaign_id, EXCLUDED.campaign_id),
    fallback_levels = GREATEST(m.fallback_levels, EXCLUDED.fallback_levels),
    updated_at = now()
WHERE (m.campaign_id IS NULL AND EXCLUDED.campaign_id IS NOT NULL)
   OR EXCLUDED.fallback_levels > m.fallback_levels
"""

UPSERT_ATTEMPTS = """
INSERT INTO message_attempts AS a (
    message_id, created_at, attempt, channel, status, status_rank, status_at, template_id, template_name,
    sender_id, carrier_message_id, segments, submitted_at, provider_sent_at, provider_delivered_at,
    provider_read_at, error_code, error_detail, carrier_error_code, variables)
SELECT * FROM unnest(
    $1::text[], $2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::smallint[], $7::timestamptz[],
    $8::bigint[], $9::text[], $10::text[], $11::text[], $12::int[], $13::timestamptz[], $14::timestamptz[],
    $15::timestamptz[], $16::timestamptz[], $17::text[], $18::text[], $19::text[], $20::jsonb[])
ON CONFLICT (message_id, created_at, attempt) DO UPDATE SET
    status = CASE WHEN status_advances(a.status, a.status_rank, a.error_code, EXCLUDED.status, EXCLUDED.status_rank, EXCLUDED.error_code)
        THEN EXCLUDED.status ELSE a.status END,
    status_rank = CASE WHEN status_advances(a.status, a.status_rank, a.error_code, EXCLUDED.status, EXCLUDED.status_rank, EXCLUDED.error_code)
        THEN EXCLUDED.status_rank ELSE a.status_rank END,
    status_at = CASE WHEN status_advances(a.status, a.status_rank, a.error_code, EXCLUDED.status, EXCLUDED.status_rank, EXCLUDED.error_code)
        THEN EXCLUDED.status_at ELSE a.status_at END,
    error_code = CASE WHEN status_advances(a.status, a.status_rank, a.error_code, EXCLUDED.status, EXCLUDED.status_rank, EXCLUDED.error_code)
        THEN EXCLUDED.error_code ELSE a.error_code END,
    error_detail = CASE WHEN status_advances(a.status, a.status_rank, a.error_code, EXCLUDED.status, EXCLUDED.status_rank, EXCLUDED.error_code)
        THEN EXCLUDED.error_detail ELSE a.error_detail END,
    carrier_error_code = CASE WHEN status_advances(a.status, a.status_rank, a.error_code, EXCLUDED.status, EXCLUDED.status_rank, EXCLUDED.error_code)
        THEN EXCLUDED.carrier_error_code ELSE a.carrier_error_code END,
    template_id = COALESCE(EXCLUDED.template_id, a.template_id),
    template_name = COALESCE(EXCLUDED.template_name, a.template_name),
    sender_id = COALESCE(EXCLUDED.sender_id, a.sender_id),
    carrier_message_id = COALESCE(EXCLUDED.carrier_message_id, a.carrier_message_id),
    segments = COALESCE(EXCLUDED.segments, a.segments),
    submitted_at = LEAST(a.submitted_at, EXCLUDED.submitted_at),
    provider_sent_at = LEAST(a.provider_sent_at, EXCLUDED.provider_sent_at),
    provider_delivered_at = LEAST(a.provider_delivered_at, EXCLUDED.provider_delivered_at),
    provider_read_at = LEAST(a.provider_read_at, EXCLUDED.provider_read_at),
    variables = COALESCE(EXCLUDED.variables, a.variables),
    updated_at = now()
WHERE status_advances(a.status, a.status_rank, a.error_code, EXCLUDED.status, EXCLUDED.status_rank, EXCLUDED.error_code)
   OR (a.template_id, a.template_name, a.sender_id, a.carrier_message_id, a.segments,
       a.submitted_at, a.provider_sent_at, a.provider_delivered_at, a.provider_read_at, a.variables)
      IS DISTINCT FROM
      (COALESCE(EXCLUDED.template_id, a.template_id), COALESCE(EXCLUDED.template_name, a.template_name),
       COALESCE(EXCLUDED.sender_id, a.sender_id), COALESCE(EXCLUDED.carrier_message_id, a.carrier_message_id),
       COALESCE(EXCLUDED.segments, a.segments), LEAST(a.submitted_at, EXCLUDED.submitted_at),
       LEAST(a.provider_sent_at, EXCLUDED.provider_sent_at),
       LEAST(a.provider_delivered_at, EXCLUDED.provider_delivered_at),
       LEAST(a.provider_read_at, EXCLUDED.provider_read_at), COALESCE(EXCLUDED.variables, a.variables))
"""

INSERT_EVENTS = """
INSERT INTO message_events (
    event_id, event_type, message_id, created_at, attempt, channel, status, occurred_at,
    error_code, error_detail, carrier_error_code, provider_at)
SELECT *, u.occurred_at FROM unnest(
    $1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::text[],
    $8::timestamptz[], $9::text[], $10::text[], $11::text[])
    AS u (event_id, event_type, message_id, created_at, attempt, channel, status, occurred_at,
          error_code, error_detail, carrier_error_code)
ON CONFLICT (event_id, created_at) DO NOTHING
"""

# The shown times of each touched attempt from the reported ones (migration 0007's
# causal_times); status_at is lifted to at least them. $3/$4 bound the day partitions.
CAUSAL_ATTEMPTS = """
WITH touched AS (
    SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS t (message_id, created_at)
), shown AS (
    SELECT a.message_id, a.created_at, a.attempt, c.sent_at, c.delivered_at, c.read_at,
        GREATEST(a.status_at, a.created_at, a.submitted_at, c.sent_at,
            CASE WHEN a.status IN ('DELIVERED', 'READ') THEN c.delivered_at END,
            CASE WHEN a.status = 'READ' THEN c.read_at END) AS status_at
    FROM message_attempts a
    JOIN touched t ON t.message_id = a.message_id AND t.created_at = a.created_at
    CROSS JOIN LATERAL causal_times(a.created_at, a.submitted_at, a.provider_sent_at, a.provider_delivered_at,
        a.provider_read_at) c
    WHERE a.created_at >= $3 AND a.created_at <= $4
)
UPDATE message_attempts a SET sent_at = s.sent_at, delivered_at = s.delivered_at, read_at = s.read_at,
    status_at = s.status_at
FROM shown s
WHERE a.message_id = s.message_id AND a.created_at = s.created_at AND a.attempt = s.attempt
  AND a.created_at >= $3 AND a.created_at <= $4
  AND (a.sent_at, a.delivered_at, a.read_at, a.status_at)
      IS DISTINCT FROM (s.sent_at, s.delivered_at, s.read_at, s.status_at)
"""

# The history of each touched message in causal order (attempt, status rank, reported time,
# arrival), each occurred_at at least the one before it and the message's creation; the
# reported time stays in provider_at. $3/$4 bound the day partitions.
CAUSAL_EVENTS = """
WITH touched AS (
    SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS t (message_id, created_at)
), ordered AS (
    SELECT e.event_id, e.created_at,
        row_number() OVER w AS seq,
        GREATEST(e.created_at, max(e.provider_at) OVER w) AS occurred_at
    FROM message_events e
    JOIN touched t ON t.message_id = e.message_id AND t.created_at = e.created_at
    WHERE e.created_at >= $3 AND e.created_at <= $4
    WINDOW w AS (PARTITION BY e.message_id, e.created_at
        ORDER BY e.attempt, event_rank(e.status), e.provider_at, e.recorded_at, e.event_id
        ROWS UNBOUNDED PRECEDING)
)
UPDATE message_events e SET seq = o.seq, occurred_at = o.occurred_at
FROM ordered o
WHERE e.event_id = o.event_id AND e.created_at = o.created_at
  AND e.created_at >= $3 AND e.created_at <= $4
  AND (e.seq, e.occurred_at) IS DISTINCT FROM (o.seq, o.occurred_at)
"""

# $3/$4 bound created_at so that only the batch's day partitions are read.
PROJECT_MESSAGES = """
WITH touched AS (
    SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS t (message_id, created_at)
), latest AS (
    SELECT DISTINCT ON (a.message_id, a.created_at)
        a.*,
        min(a.submitted_at) OVER w AS first_submitted_at,
        min(a.sent_at) OVER w AS first_sent_at,
        min(a.delivered_at) OVER w AS first_delivered_at,
        min(a.read_at) OVER w AS first_read_at,
        min(a.channel) FILTER (WHERE a.attempt = 1) OVER w AS attempt1_channel
    FROM message_attempts a
    JOIN touched t ON t.message_id = a.message_id AND t.created_at = a.created_at
    WHERE a.created_at >= $3 AND a.created_at <= $4
    WINDOW w AS (PARTITION BY a.message_id, a.created_at)
    ORDER BY a.message_id, a.created_at, a.attempt DESC
)
UPDATE messages m SET
    attempt = l.attempt, channel = l.channel,
    status = CASE WHEN l.status IN ('FAILED', 'UNDELIVERED') AND l.attempt <= m.fallback_levels
        THEN 'RETRYING' ELSE l.status END,
    status_rank = CASE WHEN l.status IN ('FAILED', 'UNDELIVERED') AND l.attempt <= m.fallback_levels
        THEN 0 ELSE l.status_rank END,
    status_at = l.status_at, template_id = l.template_id, template_name = l.template_name,
    sender_id = l.sender_id, error_code = l.error_code, error_detail = l.error_detail,
    carrier_error_code = l.carrier_error_code, carrier_message_id = l.carrier_message_id,
    segments = l.segments, submitted_at = l.first_submitted_at, sent_at = l.first_sent_at,
    delivered_at = l.first_delivered_at, read_at = l.first_read_at,
    primary_channel = COALESCE(l.attempt1_channel, m.primary_channel),
    fallback_levels = GREATEST(m.fallback_levels, l.attempt - 1),
    updated_at = now()
FROM latest l
WHERE m.message_id = l.message_id AND m.created_at = l.created_at
  AND m.created_at >= $3 AND m.created_at <= $4
  AND (m.attempt, m.channel, m.status, m.status_at, m.template_id, m.template_name, m.sender_id, m.error_code,
       m.error_detail, m.carrier_error_code, m.carrier_message_id, m.segments, m.submitted_at, m.sent_at,
       m.delivered_at, m.read_at, m.primary_channel, m.fallback_levels)
      IS DISTINCT FROM
      (l.attempt, l.channel,
       CASE WHEN l.status IN ('FAILED', 'UNDELIVERED') AND l.attempt <= m.fallback_levels
           THEN 'RETRYING' ELSE l.status END,
       l.status_at, l.template_id, l.template_name, l.sender_id, l.error_code,
       l.error_detail, l.carrier_error_code, l.carrier_message_id, l.segments, l.first_submitted_at,
       l.first_sent_at, l.first_delivered_at, l.first_read_at, COALESCE(l.attempt1_channel, m.primary_channel),
       GREATEST(m.fallback_levels, l.attempt - 1))
"""


# The batch's rollup deltas (recorded by migration 0008's triggers) into the rollups.
FLUSH_ROLLUPS = "SELECT flush_rollups()"


def _columns(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Row tuples to one list per column, for unnest($1::type[], ...)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else []


def _message_tuple(row: MessageRow) -> tuple[Any, ...]:
    f, a = row.facts, row.latest
    status = message_status(a.status, a.attempt, f.fallback_levels)
    return (
        f.message_id, f.created_at, f.account_id, f.recipient, a.channel, row.primary_channel, a.attempt,
        status, STATUS_RANK[status], a.status_at, a.template_id, a.template_name, a.sender_id, f.campaign_id,
        row.submitted_at, row.sent_at, row.delivered_at, row.read_at, a.error_code, a.error_detail,
        a.carrier_error_code, a.carrier_message_id, a.segments, f.fallback_levels,
    )  # fmt: skip


def _attempt_tuple(a: AttemptUpdate) -> tuple[Any, ...]:
    return (
        a.message_id, a.created_at, a.attempt, a.channel, a.status, a.status_rank, a.status_at, a.template_id,
        a.template_name, a.sender_id, a.carrier_message_id, a.segments, a.submitted_at, a.sent_at,
        a.delivered_at, a.read_at, a.error_code, a.error_detail, a.carrier_error_code,
        None if a.variables is None else json.dumps(a.variables),
    )  # fmt: skip


def _event_tuple(e: EventRow) -> tuple[Any, ...]:
    return (
        e.event_id, e.event_type, e.message_id, e.created_at, e.attempt, e.channel, e.status, e.occurred_at,
        e.error_code, e.error_detail, e.carrier_error_code,
    )  # fmt: skip


# Costs, from billing.charged: the attempt's amount, and the sum over attempts on the message.
_CHARGE_ATTEMPTS = """
WITH c AS (
    SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::bigint[])
        AS t(message_id, created_at, attempt, amount)
)
UPDATE message_attempts a SET cost_minor = c.amount, updated_at = now()
FROM c WHERE a.message_id = c.message_id AND a.created_at = c.created_at AND a.attempt = c.attempt
RETURNING a.message_id, a.attempt
"""
_CHARGE_MESSAGES = """
UPDATE messages m SET cost_minor = s.total, currency = $3, updated_at = now()
FROM (
    SELECT message_id, created_at, sum(cost_minor) AS total FROM message_attempts
    WHERE (message_id, created_at) IN (SELECT * FROM unnest($1::text[], $2::timestamptz[]))
    GROUP BY message_id, created_at
) s
WHERE m.message_id = s.message_id AND m.created_at = s.created_at
"""


class MessageLog:
    """Writes batches to the message log and keeps its day partitions."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.known_days: set[date] = set()  # days whose partitions exist (this process made or saw them)

    async def ensure_days(self, days: set[date]) -> int:
        """Create the partitions of `days` that this process has not seen yet; returns tables made."""
        missing = days - self.known_days
        if not missing:
            return 0
        async with self.pool.acquire() as conn:
            created = await conn.fetchval("SELECT ensure_day_partitions($1::date[])", sorted(missing))
        self.known_days |= missing
        if created:
            log.info("day partitions created", extra={"days": [d.isoformat() for d in sorted(missing)]})
        return created

    async def drop_days_before(self, cutoff: date) -> list[str]:
        """Drop the partitions of days before `cutoff` (retention); returns the tables dropped."""
        async with self.pool.acquire() as conn:
            dropped = await conn.fetchval("SELECT drop_day_partitions_before($1::date)", cutoff)
        self.known_days = {day for day in self.known_days if day >= cutoff}
        if dropped:
            log.info("day partitions dropped", extra={"tables": dropped})
        return list(dropped)

    async def drop_rollups_before(self, cutoff: date) -> int:
        """Retention of the rollups (their buckets before `cutoff`), and the deltas a finished
        writer left unapplied (one that changed `messages` outside `apply`)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT flush_rollups(true)")
            return await conn.fetchval("SELECT drop_rollups_before($1::date)", cutoff)

    async def rebuild_rollups(self, since: datetime | None = None, until: datetime | None = None) -> int:
        """The rollups of [since, until) (None: all) rebuilt from a scan of the log; returns rows written."""
        async with self.pool.acquire() as conn, conn.transaction():
            return await conn.fetchval("SELECT rebuild_rollups($1, $2)", since, until)

    def forget_days(self) -> None:
        """Forget the known partitions (one was dropped behind our back); they are checked again."""
        self.known_days.clear()

    async def apply(self, plan: BatchPlan) -> None:
        """Write one batch in one transaction. Raises on any error; nothing is then written."""
        if not plan.messages:
            return
        await self.ensure_days(plan.days)
        ids = [row.facts.message_id for row in plan.messages]
        created = [row.facts.created_at for row in plan.messages]
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(UPSERT_MESSAGES, *_columns([_message_tuple(row) for row in plan.messages]))
            for updates in plan.attempt_rounds:
                await conn.execute(UPSERT_ATTEMPTS, *_columns([_attempt_tuple(a) for a in updates]))
            await conn.execute(INSERT_EVENTS, *_columns([_event_tuple(e) for e in plan.events]))
            bounds = (ids, created, min(created), max(created))
            await conn.execute(CAUSAL_ATTEMPTS, *bounds)
            await conn.execute(CAUSAL_EVENTS, *bounds)
            await conn.execute(PROJECT_MESSAGES, *bounds)
            await conn.execute(FLUSH_ROLLUPS)

    async def apply_charges(self, charges: list[MessageChargedV1], created: list[datetime]) -> set[tuple[str, int]]:
        """Each charge's amount on its attempt row and the sum over attempts on its message,
        in one transaction; returns the (message id, attempt) whose attempt row exists."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                _CHARGE_ATTEMPTS,
                [c.message_id for c in charges],
                created,
                [c.attempt for c in charges],
                [c.amount_minor for c in charges],
            )
            by_currency: dict[str, set[tuple[str, datetime]]] = {}
            for charge, created_at in zip(charges, created, strict=True):
                by_currency.setdefault(charge.currency, set()).add((charge.message_id, created_at))
            for currency, messages in by_currency.items():
                await conn.execute(_CHARGE_MESSAGES, [m for m, _ in messages], [c for _, c in messages], currency)
        return {(r["message_id"], r["attempt"]) for r in rows}
