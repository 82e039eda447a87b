"""Reads the message log that the reporting service writes (schema `reporting`).

The gateway only reads it. Every query is scoped by account id first, which is also the
leading column of each index; `created_at` bounds prune day partitions.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import asyncpg

from cpaas.contracts.ids import message_id_time_ms

_COLUMNS = (
    "message_id, account_id, recipient, channel, primary_channel, attempt, status, template_id, template_name,"
    " sender_id, campaign_id, cost_minor, currency, segments, created_at, sent_at, delivered_at, read_at,"
    " COALESCE(carrier_error_code, error_code) AS error_code, error_detail"
)


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


def money(minor: int | None) -> str | None:
    return None if minor is None else str(Decimal(minor).scaleb(-2))


class ReportsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def page(self, flt: ReportFilter, *, page: int, page_size: int) -> tuple[list[asyncpg.Record], int]:
        where, args = flt.where()
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM reporting.messages WHERE {where}", *args)
            rows = await conn.fetch(
                f"SELECT {_COLUMNS} FROM reporting.messages WHERE {where}"
                f" ORDER BY created_at DESC, message_id DESC LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}",
                *args,
            )
        return rows, total

    async def message(self, account_id: int, message_id: str) -> tuple[asyncpg.Record | None, list, list]:
        created_ms = message_id_time_ms(message_id)
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM reporting.messages WHERE account_id = $1 AND message_id = $2"
                " AND created_at = to_timestamp($3::double precision / 1000)",
                account_id,
                message_id,
                created_ms,
            )
            if row is None:
                return None, [], []
            attempts = await conn.fetch(
                "SELECT attempt, channel, status, template_id, sender_id, sent_at, delivered_at, read_at,"
                " COALESCE(carrier_error_code, error_code) AS error_code, cost_minor FROM reporting.message_attempts"
                " WHERE message_id = $1 AND created_at = $2 ORDER BY attempt",
                message_id,
                row["created_at"],
            )
            history = await conn.fetch(
                "SELECT attempt, channel, status, occurred_at, COALESCE(carrier_error_code, error_code) AS error_code"
                " FROM reporting.message_events WHERE message_id = $1 AND created_at = $2"
                # a fallback level's submit and the router's RETRYING say the same thing: show the RETRYING
                " AND NOT (event_type = 'cpaas.message.submitted.v1' AND attempt > 1)"
                " ORDER BY occurred_at, attempt",
                message_id,
                row["created_at"],
            )
        return row, attempts, history
