"""Reads the message log that the reporting service writes (schema `reporting`), for the
gateway's reports API and the console's Reports and Dashboard. Read only: reporting is
the tables' single writer. Every query is scoped by account id first, the leading column
of each index, and a message is found in its day partition through the time in its id."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from cpaas.contracts.ids import message_id_time_ms

COLUMNS = (
    "message_id, account_id, recipient, channel, primary_channel, attempt, status, template_id, template_name, sender_id,"
    " campaign_id, cost_minor, currency, segments, created_at, sent_at, delivered_at, read_at,"
    " COALESCE(carrier_error_code, error_code) AS error_code, error_detail"
)
EXPORT_FETCH_ROWS = 1000


@dataclass(frozen=True)
class ReportFilter:
    account_id: int
    recipient: str | None = None
    status: str | None = None
    channel: str | None = None
    campaign_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def where(self) -> tuple[str, list]:
        clauses, args = ["account_id = $1"], [self.account_id]
        for column, op, value in (
            ("recipient", "=", self.recipient),
            ("status", "=", self.status),
            ("channel", "=", self.channel),
            ("campaign_id", "=", self.campaign_id),
            ("created_at", ">=", self.created_from),
            ("created_at", "<", self.created_to),
        ):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} {op} ${len(args)}")
        return " AND ".join(clauses), args


ROLLUP_SPAN = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))  # the levels' grid


async def _rollup_count(conn: asyncpg.Connection, flt: ReportFilter, where: str, args: list) -> int | None:
    """The filter's total from the rollups, or None where they cannot say it exactly.

    Exact: the whole 15-minute buckets inside [created_from, created_to) are summed from the
    rollup levels (`analytics.plan`: whole UTC days, hours, half hours, then 15 minutes), the partial
    buckets at the two ends are counted in the log, and both are read in one statement (one
    snapshot), in which a writer's rollup deltas commit with its rows. When the account has
    committed deltas not yet applied (a writer of the log that does not flush, until the
    maintenance flush), the answer is None and the caller counts the log. Only for a filter
    of account, time range, status and channel (a recipient or a campaign: the log's count)."""
    from cpaas.message_log import analytics

    if flt.recipient is not None or flt.campaign_id is not None or flt.created_from is None or flt.created_to is None:
        return None
    column = "messages" if flt.status is None else analytics.WIDE_STATUSES.get(flt.status)
    if column is None:
        return None
    lo = analytics.align(flt.created_from.astimezone(UTC))  # the UTC grid, whatever offset the bound has
    lo = lo if lo == flt.created_from else lo + analytics.GRANULE
    hi = analytics.align(flt.created_to.astimezone(UTC))
    if hi - lo < timedelta(days=1):  # a short range: the log's count is as cheap
        return None
    if lo < ROLLUP_SPAN[0] or hi > ROLLUP_SPAN[1]:  # no rollup outside: the log answers (nothing there)
        return None
    ranges = analytics.plan(lo, hi, [])
    n = len(args)
    union = analytics._wide_union(n + 1, f"channel, {column} AS n")
    plan_args = analytics._plan_args(ranges, analytics.LEVELS)
    p = n + 1 + analytics.WIDE_PARAMS  # the channel, then lo and hi
    query = f"""
    SELECT CASE WHEN EXISTS (SELECT 1 FROM reporting.rollup_deltas d WHERE d.account_id = $1) THEN NULL ELSE
        (SELECT COALESCE(sum(n), 0) FROM ({union}) x WHERE ${p}::text IS NULL OR channel = ${p})
        + (SELECT count(*) FROM reporting.messages WHERE {where}
            AND NOT (created_at >= ${p + 1} AND created_at < ${p + 2}))
    END"""
    async with conn.transaction(readonly=True):
        await conn.execute(analytics.SMALL_READ)
        return await conn.fetchval(query, *args, *plan_args, flt.channel, lo, hi)


def money(minor: int | None) -> str | None:
    """Minor units as a decimal string of the major unit (2500 -> "25.00")."""
    return None if minor is None else str(Decimal(minor).scaleb(-2))


class MessageLogReader:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def page(self, flt: ReportFilter, *, page: int, page_size: int) -> tuple[list[asyncpg.Record], int]:
        where, args = flt.where()
        async with self.pool.acquire() as conn:
            total = await _rollup_count(conn, flt, where, args)
            if total is None:
                total = await conn.fetchval(f"SELECT count(*) FROM reporting.messages WHERE {where}", *args)
            rows = await conn.fetch(
                f"SELECT {COLUMNS} FROM reporting.messages WHERE {where} ORDER BY created_at DESC, message_id DESC"
                f" LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}",
                *args,
            )
        return rows, total

    async def export(self, flt: ReportFilter) -> AsyncIterator[asyncpg.Record]:
        """The filtered log, newest first, streamed through a server-side cursor."""
        where, args = flt.where()
        async with self.pool.acquire() as conn, conn.transaction():
            query = f"SELECT {COLUMNS} FROM reporting.messages WHERE {where} ORDER BY created_at DESC, message_id DESC"
            async for row in conn.cursor(query, *args, prefetch=EXPORT_FETCH_ROWS):
                yield row

    async def message(self, account_id: int, message_id: str) -> tuple[asyncpg.Record | None, list, list]:
        try:
            created_ms = message_id_time_ms(message_id)
        except (ValueError, TypeError):
            return None, [], []
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                f"SELECT {COLUMNS} FROM reporting.messages WHERE account_id = $1 AND message_id = $2"
                " AND created_at = to_timestamp($3::double precision / 1000)",
                account_id,
                message_id,
                created_ms,
            )
            if row is None:
                return None, [], []
            attempts = await conn.fetch(
                "SELECT attempt, channel, status, template_id, template_name, sender_id, submitted_at, sent_at,"
                " delivered_at, read_at, COALESCE(carrier_error_code, error_code) AS error_code, error_detail,"
                " cost_minor, provider_sent_at, provider_delivered_at, provider_read_at, variables"
                " FROM reporting.message_attempts WHERE message_id = $1 AND created_at = $2"
                " ORDER BY attempt",
                message_id,
                row["created_at"],
            )
            history = await conn.fetch(
                "SELECT attempt, channel, status, occurred_at, provider_at,"
                " COALESCE(carrier_error_code, error_code) AS error_code, error_detail"
                " FROM reporting.message_events WHERE message_id = $1 AND created_at = $2"
                # a fallback level's submit and the router's RETRYING say the same thing: show the RETRYING
                " AND NOT (event_type = 'cpaas.message.submitted.v1' AND attempt > 1)"
                # causal order (reporting's migration 0007): occurred_at never decreases along seq
                " ORDER BY seq NULLS LAST, occurred_at, attempt",
                message_id,
                row["created_at"],
            )
        return row, attempts, history

    async def dashboard(self, account_id: int, today: datetime) -> dict:
        """Per-channel counts today and all time, today's successes and cost, failures by reason.

        A message counts under the channel it was sent on first (`primary_channel`), once,
        whichever level delivered it; `fallback_*` count those of them a fallback level
        delivered (attempt > 1), and `fallbacks` says by which channel."""
        async with self.pool.acquire() as conn:
            channels = await conn.fetch(
                "SELECT primary_channel AS channel, count(*) FILTER (WHERE created_at >= $2) AS today,"
                " count(*) AS all_time,"
                " count(*) FILTER (WHERE created_at >= $2 AND status IN ('DELIVERED', 'READ')) AS delivered_today,"
                " count(*) FILTER (WHERE created_at >= $2 AND attempt > 1 AND status IN ('DELIVERED', 'READ'))"
                " AS fallback_today,"
                " count(*) FILTER (WHERE attempt > 1 AND status IN ('DELIVERED', 'READ')) AS fallback_all_time"
                " FROM reporting.messages WHERE account_id = $1 GROUP BY primary_channel ORDER BY primary_channel",
                account_id,
                today,
            )
            fallbacks = await conn.fetch(
                "SELECT primary_channel, channel, count(*) FILTER (WHERE created_at >= $2) AS today,"
                " count(*) AS all_time FROM reporting.messages"
                " WHERE account_id = $1 AND attempt > 1 AND status IN ('DELIVERED', 'READ')"
                " GROUP BY primary_channel, channel ORDER BY primary_channel, channel",
                account_id,
                today,
            )
            cost_today = await conn.fetchval(
                "SELECT COALESCE(sum(a.cost_minor), 0) FROM reporting.message_attempts a"
                " JOIN reporting.messages m ON m.message_id = a.message_id AND m.created_at = a.created_at"
                " WHERE m.account_id = $1 AND m.created_at >= $2",
                account_id,
                today,
            )
            failures = await conn.fetch(
                "SELECT COALESCE(carrier_error_code, error_code, 'UNKNOWN') AS reason, count(*) AS count"
                " FROM reporting.messages WHERE account_id = $1 AND status IN ('FAILED', 'UNDELIVERED')"
                " GROUP BY 1 ORDER BY 2 DESC, 1",
                account_id,
            )
        return {"channels": channels, "fallbacks": fallbacks, "cost_today": cost_today, "failures": failures}
