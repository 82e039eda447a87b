"""The router's SQL (schema `router`)."""

import json
from datetime import datetime

import asyncpg

from cpaas.contracts import FallbackLevel
from cpaas.router.domain import Chain

_CHAIN_COLUMNS = (
    "message_id, account_id, recipient, variables, campaign_id, levels, current_attempt, state, deadline_at"
)


def _chain(row: asyncpg.Record) -> Chain:
    return Chain(
        row["message_id"],
        row["account_id"],
        row["recipient"],
        json.loads(row["variables"]),
        row["campaign_id"],
        [FallbackLevel.model_validate(level) for level in json.loads(row["levels"])],
        row["current_attempt"],
        row["state"],
        row["deadline_at"],
    )


async def create_chains(conn: asyncpg.Connection, chains: list[Chain]) -> list[str]:
    """Insert new chains; returns the ids actually created (a redelivered submit creates nothing)."""
    if not chains:
        return []
    rows = await conn.fetch(
        "INSERT INTO chains (message_id, account_id, recipient, variables, campaign_id, levels, current_attempt,"
        " state, deadline_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[], $5::bigint[],"
        " $6::jsonb[], $7::int[], $8::text[], $9::timestamptz[]) ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
        [c.message_id for c in chains],
        [c.account_id for c in chains],
        [c.recipient for c in chains],
        [json.dumps(c.variables) for c in chains],
        [c.campaign_id for c in chains],
        [json.dumps([level.model_dump(mode="json") for level in c.levels]) for c in chains],
        [c.current_attempt for c in chains],
        [c.state for c in chains],
        [c.deadline_at for c in chains],
    )
    return [r["message_id"] for r in rows]


async def lock_chains(conn: asyncpg.Connection, message_ids: list[str]) -> dict[str, Chain]:
    rows = await conn.fetch(
        f"SELECT {_CHAIN_COLUMNS} FROM chains WHERE message_id = ANY($1::text[]) ORDER BY message_id FOR UPDATE",
        message_ids,
    )
    return {r["message_id"]: _chain(r) for r in rows}


async def lock_due_chains(conn: asyncpg.Connection, now: datetime, limit: int) -> list[Chain]:
    rows = await conn.fetch(
        f"SELECT {_CHAIN_COLUMNS} FROM chains WHERE state = 'ACTIVE' AND deadline_at <= $1"
        " ORDER BY deadline_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [_chain(r) for r in rows]


async def save_chains(conn: asyncpg.Connection, chains: list[Chain]) -> None:
    if chains:
        await conn.executemany(
            "UPDATE chains SET current_attempt = $2, state = $3, deadline_at = $4, updated_at = now()"
            " WHERE message_id = $1",
            [(c.message_id, c.current_attempt, c.state, c.deadline_at) for c in chains],
        )


async def park_statuses(conn: asyncpg.Connection, parked: list[tuple[str, int, str, str | None]]) -> None:
    if parked:
        await conn.executemany(
            "INSERT INTO early_statuses (message_id, attempt, status, error_code) VALUES ($1, $2, $3, $4)", parked
        )


async def take_parked(conn: asyncpg.Connection, message_ids: list[str]) -> list[asyncpg.Record]:
    if not message_ids:
        return []
    return await conn.fetch(
        "DELETE FROM early_statuses WHERE message_id = ANY($1::text[])"
        " RETURNING message_id, attempt, status, error_code, parked_at",
        message_ids,
    )


async def expire_parked(pool: asyncpg.Pool, retention_seconds: float) -> None:
    await pool.execute(
        "DELETE FROM early_statuses WHERE parked_at < now() - make_interval(secs => $1)", retention_seconds
    )
