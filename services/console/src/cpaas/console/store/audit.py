"""SQL of the audit log (console.audit_log): append-only, the table's triggers refuse
UPDATE, DELETE and TRUNCATE (migration 0008), so this module only inserts and reads.

Recording an event: `await store.audit.record(Entry(...))` on its own, or, to record it in
the transaction of the change it describes, `await write(conn, entry)` on that
transaction's connection (what the stores' methods taking `audit=` do: the change and its
entry commit together or not at all). `store.audit.record(..., conn=conn)` is the same."""

import json
from collections.abc import Mapping
from typing import Any

import asyncpg

from cpaas.console.domain.audit import Actor, AuditFilter, Entry
from cpaas.console.store.paging import fetch_page, like

_INSERT = (
    "INSERT INTO audit_log (account_id, actor_user_id, actor, client_address, action, changes)"
    " VALUES ($1, $2, $3, $4, $5, $6::jsonb)"
)
_COLUMNS = (
    "l.id, l.at, l.account_id, a.name AS account_name, l.actor_user_id, l.actor, l.client_address, l.action, l.changes"
)


async def write(conn: asyncpg.Connection | asyncpg.Pool, entry: Entry) -> None:
    """Insert `entry` on `conn` (a transaction's connection: it commits with the change)."""
    actor = entry.actor
    await conn.execute(
        _INSERT,
        entry.account_id,
        actor.user_id,
        actor.username[:200],
        actor.address,
        entry.action,
        json.dumps(entry.changes, default=str),
    )


async def execute(pool: asyncpg.Pool, audit: Entry | None, sql: str, *args: Any) -> str:
    """Run one statement and, when it changed a row, record `audit` in the same transaction."""
    if audit is None:
        return await pool.execute(sql, *args)
    async with pool.acquire() as conn, conn.transaction():
        result = await conn.execute(sql, *args)
        if not result.endswith(" 0"):
            await write(conn, audit)
    return result


class AuditStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def record(
        self,
        action: str | Entry,
        actor: Actor | None = None,
        account_id: int | None = None,
        changes: Mapping[str, Any] | None = None,
        *,
        conn: asyncpg.Connection | None = None,
    ) -> None:
        """Record one event: `record(Entry(...))` or `record(action, actor, account_id,
        changes)`; on `conn` (inside its transaction) when given, else on its own."""
        if isinstance(action, Entry):
            entry = action
        else:
            if actor is None:
                raise TypeError("record(action, actor, ...) needs the actor")
            entry = Entry(action, actor, account_id, dict(changes or {}))
        await write(conn or self.pool, entry)

    async def page(self, flt: AuditFilter, page: int, page_size: int) -> tuple[list[asyncpg.Record], int]:
        """Entries matching `flt`, newest first."""
        conditions, args = [], []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if flt.account_id is not None:
            conditions.append(f"l.account_id = {arg(flt.account_id)}")
        if flt.actor:
            conditions.append(f"l.actor ILIKE {arg(like(flt.actor))}")
        if flt.action:
            if "." in flt.action:
                conditions.append(f"l.action = {arg(flt.action)}")
            else:  # an area: every action of it
                conditions.append(f"l.action LIKE {arg(flt.action.replace('_', chr(92) + '_') + '.%')}")
        if flt.since is not None:
            conditions.append(f"l.at >= {arg(flt.since)}")
        if flt.until is not None:
            conditions.append(f"l.at < {arg(flt.until)}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return await fetch_page(
            self.pool,
            columns=_COLUMNS,
            source=f" FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id{where}",
            args=args,
            order="l.at DESC, l.id DESC",
            page=page,
            page_size=page_size,
        )
