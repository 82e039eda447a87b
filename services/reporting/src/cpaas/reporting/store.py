"""The message log's SQL: one transaction per batch, a handful of set-based statements.

Per batch, in one transaction (READ COMMITTED), each statement's rows in one jsonb parameter:
1. UPSERT_MESSAGES inserts the rows of new messages, already in their final state, and
   locks the rows of known ones (ON CONFLICT DO UPDATE locks even the rows its WHERE
   leaves unchanged), in message id order so that concurrent batches cannot deadlock.
   Every writer of a message therefore waits here for the one before it to commit.
2. UPSERT_ATTEMPTS applies each round of attempt updates (domain.fold_attempt), with the
   times as reported (provider_*_at) and the shown ones derived from them in causal order
   (migration 0007) in the same write.
3. INSERT_EVENTS appends the history already in causal order (a duplicate event id is
   ignored), whatever order the events arrived in, re-numbering known events only where a
   new one lands before them.
4. PROJECT_MESSAGES sets each touched message row to the state of its highest attempt
   (RETRYING while that attempt failed and a fallback level remains: the router opens
   it); a new statement, so it sees every attempt committed by the writers it waited for.
5. FLUSH_ROLLUPS applies the rollup deltas that the triggers on `messages` recorded for
   this transaction (migration 0008): -1 on a changed row's old key, +1 on its new one,
   summed and upserted in key order, so the charts' counts commit with the log.
Rows that would not change are not written, so redelivered batches cost only reads.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from cpaas.contracts.events import MessageChargedV1
from cpaas.reporting.domain import STATUS_RANK, AttemptUpdate, BatchPlan, MessageRow, message_status

log = logging.getLogger(__name__)

# Each statement takes its rows as one jsonb array of arrays (orjson-encoded: a fraction of
# what asyncpg's encoding of a dozen typed arrays costs per row) and unpacks it in C.
UPSERT_MESSAGES = """
INSERT INTO messages AS m (
    message_id, created_at, account_id, recipient, channel, primary_channel, attempt, status, status_rank,
    status_at, template_id, template_name, sender_id, campaign_id, submitted_at, sent_at, delivered_at, read_at,
    error_code, error_detail, carrier_error_code, carrier_message_id, segments, fallback_levels)
SELECT e->>0, (e->>1)::timestamptz, (e->>2)::bigint, e->>3, e->>4, e->>5, (e->>6)::int, e->>7,
    (e->>8)::smallint, (e->>9)::timestamptz, (e->>10)::bigint, e->>11, e->>12, (e->>13)::bigint,
    (e->>14)::timestamptz, (e->>15)::timestamptz, (e->>16)::timestamptz, (e->>17)::timestamptz, e->>18, e->>19,
    e->>20, e->>21, (e->>22)::int, (e->>23)::int
FROM jsonb_array_elements($1::jsonb) AS e
ORDER BY 1
ON CONFLICT (message_id, created_at) DO UPDATE SET
    campaign_id = COALESCE(m.campaign_id, EXCLUDED.campaign_id),
    fallback_levels = GREATEST(m.fallback_levels, EXCLUDED.fallback_levels),
    updated_at = now()
WHERE (m.campaign_id IS NULL AND EXCLUDED.campaign_id IS NOT NULL)
   OR EXCLUDED.fallback_levels > m.fallback_levels
"""

# One round of attempt updates (domain.fold_attempt), the times as reported (provider_*_at),
# the shown times (migration 0007's causal_times, status_at lifted to at least them) computed
# in the same write: a new attempt is inserted with them, a known one updated to the merged
# row and its shown times where anything changes. New and known attempts are told apart in
# the statement's snapshot, which holds every earlier writer of these messages (each waited
# for the one before it at UPSERT_MESSAGES). $2/$3 bound the day partitions.
_ADVANCES = "status_advances(a.status, a.status_rank, a.error_code, u.status, u.status_rank, u.error_code)"
UPSERT_ATTEMPTS = f"""
WITH u AS (
    SELECT e->>0 AS message_id, (e->>1)::timestamptz AS created_at, (e->>2)::int AS attempt, e->>3 AS channel,
        e->>4 AS status, (e->>5)::smallint AS status_rank, (e->>6)::timestamptz AS status_at,
        (e->>7)::bigint AS template_id, e->>8 AS template_name, e->>9 AS sender_id, e->>10 AS carrier_message_id,
        (e->>11)::int AS segments, (e->>12)::timestamptz AS submitted_at, (e->>13)::timestamptz AS sent_at,
        (e->>14)::timestamptz AS delivered_at, (e->>15)::timestamptz AS read_at, e->>16 AS error_code,
        e->>17 AS error_detail, e->>18 AS carrier_error_code, NULLIF(e->19, 'null'::jsonb) AS variables
    FROM jsonb_array_elements($1::jsonb) AS e
), merged AS (
    SELECT a.message_id, a.created_at, a.attempt,
        CASE WHEN adv THEN u.status ELSE a.status END AS status,
        CASE WHEN adv THEN u.status_rank ELSE a.status_rank END AS status_rank,
        CASE WHEN adv THEN u.status_at ELSE a.status_at END AS status_at,
        CASE WHEN adv THEN u.error_code ELSE a.error_code END AS error_code,
        CASE WHEN adv THEN u.error_detail ELSE a.error_detail END AS error_detail,
        CASE WHEN adv THEN u.carrier_error_code ELSE a.carrier_error_code END AS carrier_error_code,
        COALESCE(u.template_id, a.template_id) AS template_id,
        COALESCE(u.template_name, a.template_name) AS template_name,
        COALESCE(u.sender_id, a.sender_id) AS sender_id,
        COALESCE(u.carrier_message_id, a.carrier_message_id) AS carrier_message_id,
        COALESCE(u.segments, a.segments) AS segments,
        LEAST(a.submitted_at, u.submitted_at) AS submitted_at,
        LEAST(a.provider_sent_at, u.sent_at) AS provider_sent_at,
        LEAST(a.provider_delivered_at, u.delivered_at) AS provider_delivered_at,
        LEAST(a.provider_read_at, u.read_at) AS provider_read_at,
        COALESCE(u.variables, a.variables) AS variables
    FROM u JOIN message_attempts a
        ON a.message_id = u.message_id AND a.created_at = u.created_at AND a.attempt = u.attempt
        AND a.created_at >= $2 AND a.created_at <= $3
    CROSS JOIN LATERAL (SELECT {_ADVANCES} AS adv) s
), shown AS (
    SELECT m.*, c.sent_at, c.delivered_at, c.read_at,
        GREATEST(m.status_at, m.created_at, m.submitted_at, c.sent_at,
            CASE WHEN m.status IN ('DELIVERED', 'READ') THEN c.delivered_at END,
            CASE WHEN m.status = 'READ' THEN c.read_at END) AS shown_status_at
    FROM merged m
    CROSS JOIN LATERAL causal_times(m.created_at, m.submitted_at, m.provider_sent_at, m.provider_delivered_at,
        m.provider_read_at) c
), inserted AS (
    INSERT INTO message_attempts (
        message_id, created_at, attempt, channel, status, status_rank, status_at, template_id, template_name,
        sender_id, carrier_message_id, segments, submitted_at, provider_sent_at, provider_delivered_at,
        provider_read_at, error_code, error_detail, carrier_error_code, variables, sent_at, delivered_at, read_at)
    SELECT u.message_id, u.created_at, u.attempt, u.channel, u.status, u.status_rank,
        GREATEST(u.status_at, u.created_at, u.submitted_at, c.sent_at,
            CASE WHEN u.status IN ('DELIVERED', 'READ') THEN c.delivered_at END,
            CASE WHEN u.status = 'READ' THEN c.read_at END),
        u.template_id, u.template_name, u.sender_id, u.carrier_message_id, u.segments, u.submitted_at, u.sent_at,
        u.delivered_at, u.read_at, u.error_code, u.error_detail, u.carrier_error_code, u.variables,
        c.sent_at, c.delivered_at, c.read_at
    FROM u
    CROSS JOIN LATERAL causal_times(u.created_at, u.submitted_at, u.sent_at, u.delivered_at, u.read_at) c
    WHERE NOT EXISTS (SELECT 1 FROM merged m
        WHERE m.message_id = u.message_id AND m.created_at = u.created_at AND m.attempt = u.attempt)
    RETURNING 1
)
UPDATE message_attempts a SET
    status = s.status, status_rank = s.status_rank, status_at = s.shown_status_at, error_code = s.error_code,
    error_detail = s.error_detail, carrier_error_code = s.carrier_error_code, template_id = s.template_id,
    template_name = s.template_name, sender_id = s.sender_id, carrier_message_id = s.carrier_message_id,
    segments = s.segments, submitted_at = s.submitted_at, provider_sent_at = s.provider_sent_at,
    provider_delivered_at = s.provider_delivered_at, provider_read_at = s.provider_read_at,
    variables = s.variables, sent_at = s.sent_at, delivered_at = s.delivered_at, read_at = s.read_at,
    updated_at = now()
FROM shown s
WHERE a.message_id = s.message_id AND a.created_at = s.created_at AND a.attempt = s.attempt
  AND a.created_at >= $2 AND a.created_at <= $3
  AND (a.status, a.status_rank, a.status_at, a.error_code, a.error_detail, a.carrier_error_code, a.template_id,
       a.template_name, a.sender_id, a.carrier_message_id, a.segments, a.submitted_at, a.provider_sent_at,
       a.provider_delivered_at, a.provider_read_at, a.variables, a.sent_at, a.delivered_at, a.read_at)
      IS DISTINCT FROM
      (s.status, s.status_rank, s.shown_status_at, s.error_code, s.error_detail, s.carrier_error_code, s.template_id,
       s.template_name, s.sender_id, s.carrier_message_id, s.segments, s.submitted_at, s.provider_sent_at,
       s.provider_delivered_at, s.provider_read_at, s.variables, s.sent_at, s.delivered_at, s.read_at)
"""

# The history: the batch's new events (a known event id is ignored) inserted already in each
# message's causal order (attempt, status rank, reported time, arrival), each occurred_at at
# least the one before it and the message's creation, the reported time kept in provider_at;
# the known events of those messages re-numbered only where a new one lands before them.
# $2/$3 bound the day partitions.
INSERT_EVENTS = """
WITH input AS (
    SELECT e->>0 AS event_id, e->>1 AS event_type, e->>2 AS message_id, (e->>3)::timestamptz AS created_at,
        (e->>4)::int AS attempt, e->>5 AS channel, e->>6 AS status, (e->>7)::timestamptz AS provider_at,
        e->>8 AS error_code, e->>9 AS error_detail, e->>10 AS carrier_error_code
    FROM jsonb_array_elements($1::jsonb) AS e
), fresh AS (
    SELECT i.* FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM message_events x
        WHERE x.event_id = i.event_id AND x.created_at = i.created_at AND x.created_at >= $2 AND x.created_at <= $3)
), history AS (
    SELECT e.event_id, e.created_at, e.message_id, e.attempt, e.status, e.provider_at, e.recorded_at, e.seq,
        e.occurred_at, false AS fresh
    FROM message_events e
    WHERE (e.message_id, e.created_at) IN (SELECT message_id, created_at FROM fresh)
      AND e.created_at >= $2 AND e.created_at <= $3
    UNION ALL
    SELECT event_id, created_at, message_id, attempt, status, provider_at, now(), NULL, NULL, true FROM fresh
), ordered AS (
    SELECT h.event_id, h.created_at, h.fresh, h.seq, h.occurred_at,
        row_number() OVER w AS new_seq,
        GREATEST(h.created_at, max(h.provider_at) OVER w) AS new_occurred_at
    FROM history h
    WINDOW w AS (PARTITION BY h.message_id, h.created_at
        ORDER BY h.attempt, event_rank(h.status), h.provider_at, h.recorded_at, h.event_id
        ROWS UNBOUNDED PRECEDING)
), inserted AS (
    INSERT INTO message_events (
        event_id, event_type, message_id, created_at, attempt, channel, status, occurred_at,
        error_code, error_detail, carrier_error_code, provider_at, seq)
    SELECT f.event_id, f.event_type, f.message_id, f.created_at, f.attempt, f.channel, f.status, o.new_occurred_at,
        f.error_code, f.error_detail, f.carrier_error_code, f.provider_at, o.new_seq
    FROM fresh f JOIN ordered o ON o.fresh AND o.event_id = f.event_id AND o.created_at = f.created_at
    ON CONFLICT (event_id, created_at) DO NOTHING
    RETURNING 1
)
UPDATE message_events e SET seq = o.new_seq, occurred_at = o.new_occurred_at
FROM ordered o
WHERE NOT o.fresh AND e.event_id = o.event_id AND e.created_at = o.created_at
  AND e.created_at >= $2 AND e.created_at <= $3
  AND (o.seq, o.occurred_at) IS DISTINCT FROM (o.new_seq, o.new_occurred_at)
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

# Every write joins a batch (one to a few thousand rows) to day-partitioned tables of up to
# millions. With PostgreSQL's default random_page_cost (4: a disk's seek) the planner hashed
# a small batch and scanned the day's whole partition: a cost that grows with the day, 16 ms
# for 440 messages at 110,000 a day (PROJECT_MESSAGES, 1.2 ms per delivered message in
# bench/submit.py's statement table at 1,000/s). The partitions being in memory, the write
# transactions price a random read as what it is here (1.1, the usual SSD setting): the
# same batch is read by index in 3 ms, while a batch of thousands against a small
# partition still hashes (forcing nested loops or custom plans instead cost the bulk ingest
# 40-70 %). A partition never analyzed yet (the first minutes of a day, until autovacuum
# has seen it) may still be scanned.
IN_MEMORY_READ_COSTS = "SET LOCAL random_page_cost = 1.1"


class ValueNotWritable(ValueError):
    """A value of the batch that its statements can never take (an int beyond 64 bits)."""


def rows_json(rows: Iterable[Sequence[Any]]) -> str:
    """A statement's jsonb parameter: the rows as one JSON array of arrays (a NamedTuple as
    its fields in order). Raises ValueNotWritable for a value no JSON number holds."""
    try:
        return orjson.dumps(list(rows), default=tuple).decode()
    except orjson.JSONEncodeError as exc:
        raise ValueNotWritable(str(exc)) from None


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
        a.variables,
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
# $4/$5 bound created_at, so that only the charges' day partitions are read
_CHARGE_MESSAGES = """
UPDATE messages m SET cost_minor = s.total, currency = $3, updated_at = now()
FROM (
    SELECT message_id, created_at, sum(cost_minor) AS total FROM message_attempts
    WHERE (message_id, created_at) IN (SELECT * FROM unnest($1::text[], $2::timestamptz[]))
      AND created_at >= $4 AND created_at <= $5
    GROUP BY message_id, created_at
) s
WHERE m.message_id = s.message_id AND m.created_at = s.created_at AND m.created_at >= $4 AND m.created_at <= $5
"""


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """One batch's statement parameters (MessageLog.prepare): what `write` sends."""

    days: set[date]
    ids: list[str]  # the batch's messages, in message id order
    created: list[datetime]
    messages: str  # UPSERT_MESSAGES' rows (jsonb)
    rounds: list[str]  # UPSERT_ATTEMPTS' rows, one parameter per round
    events: str  # INSERT_EVENTS' rows


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

    def prepare(self, plan: BatchPlan) -> "PreparedBatch":
        """The statements' parameters of one batch (no I/O); ValueNotWritable if a value can
        never be written."""
        created = [row.facts.created_at for row in plan.messages]
        return PreparedBatch(
            days=plan.days,
            ids=[row.facts.message_id for row in plan.messages],
            created=created,
            messages=rows_json(_message_tuple(row) for row in plan.messages),
            rounds=[rows_json(_attempt_tuple(a) for a in updates) for updates in plan.attempt_rounds],
            events=rows_json(plan.events),  # EventRow's fields are INSERT_EVENTS' columns, in order
        )

    async def apply(self, plan: BatchPlan) -> None:
        """Write one batch in one transaction. Raises on any error; nothing is then written."""
        await self.write(self.prepare(plan))

    async def write(self, batch: "PreparedBatch") -> None:
        """Write one prepared batch in one transaction. Raises on any error; nothing is then written."""
        if not batch.ids:
            return
        await self.ensure_days(batch.days)
        lo, hi = min(batch.created), max(batch.created)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(IN_MEMORY_READ_COSTS)
            await conn.execute(UPSERT_MESSAGES, batch.messages)
            for attempts in batch.rounds:
                await conn.execute(UPSERT_ATTEMPTS, attempts, lo, hi)
            await conn.execute(INSERT_EVENTS, batch.events, lo, hi)
            await conn.execute(PROJECT_MESSAGES, batch.ids, batch.created, lo, hi)
            await conn.execute(FLUSH_ROLLUPS)

    async def apply_charges(self, charges: list[MessageChargedV1], created: list[datetime]) -> set[tuple[str, int]]:
        """Each charge's amount on its attempt row and the sum over attempts on its message,
        in one transaction; returns the (message id, attempt) whose attempt row exists."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(IN_MEMORY_READ_COSTS)
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
                days = [c for _, c in messages]
                await conn.execute(_CHARGE_MESSAGES, [m for m, _ in messages], days, currency, min(days), max(days))
        return {(r["message_id"], r["attempt"]) for r in rows}
