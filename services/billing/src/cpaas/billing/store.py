"""Billing's SQL: balances, the ledger and the price list, as named methods over a pool.

Names are schema-qualified (billing.*) so the store works over any pool, e.g. the
launcher's when it seeds an opening balance.

Money is protected by the database, not by Python: one charge per (message id,
attempt) is a unique index, one adjustment per (account, Idempotency-Key) another, and
every change of a balance happens with its balance row locked, in the transaction that
writes its ledger entry.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

SCHEMA = "billing"

# Accounts without a balance row start at 0. Locks every balance row of the batch, in
# account order (so two batches never deadlock): ON CONFLICT DO UPDATE locks a
# conflicting row even when its WHERE is false, without writing it.
_LOCK_BALANCES_SQL = """
INSERT INTO billing.balances (account_id, balance_minor, currency)
SELECT account_id, 0, $2 FROM unnest($1::bigint[]) AS a(account_id) ORDER BY account_id
ON CONFLICT (account_id) DO UPDATE SET balance_minor = billing.balances.balance_minor WHERE false
"""

# One statement for a whole batch, with the balance rows already locked: attempts
# already in the ledger are left alone (and returned when it was this very event that
# charged them, so that its MessageChargedV1 is published again); the others are priced
# from billing.prices, inserted with their running balance, and each account's balance
# is moved once by the sum of its new entries.
_CHARGE_SQL = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::text[], $5::text[], $6::integer[], $7::text[])
        WITH ORDINALITY AS i(message_id, attempt, account_id, channel, price_code, units, event_id, ord)
), existing AS (
    SELECT l.*, i.event_id AS incoming_event_id
    FROM input i JOIN billing.ledger l ON l.message_id = i.message_id AND l.attempt = i.attempt
), fresh AS (
    SELECT i.*, p.amount_minor AS unit_price_minor, p.amount_minor * i.units AS amount
    FROM input i JOIN billing.prices p USING (price_code)
    WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.message_id = i.message_id AND e.attempt = i.attempt)
), inserted AS (
    INSERT INTO billing.ledger (account_id, kind, amount_minor, balance_after_minor, currency, message_id, attempt,
                                channel, price_code, units, unit_price_minor, event_id)
    SELECT f.account_id, 'CHARGE', -f.amount,
           b.balance_minor - sum(f.amount) OVER (PARTITION BY f.account_id ORDER BY f.ord),
           b.currency, f.message_id, f.attempt, f.channel, f.price_code, f.units, f.unit_price_minor, f.event_id
    FROM fresh f JOIN billing.balances b USING (account_id)
    ORDER BY f.ord
    ON CONFLICT (message_id, attempt) WHERE message_id IS NOT NULL DO NOTHING
    RETURNING *
), moved AS (
    UPDATE billing.balances b SET balance_minor = b.balance_minor + s.total, updated_at = now()
    FROM (SELECT account_id, sum(amount_minor) AS total FROM inserted GROUP BY account_id) s
    WHERE b.account_id = s.account_id
)
SELECT true AS new, message_id, attempt, account_id, channel, price_code, units, -amount_minor AS amount_minor,
       balance_after_minor, currency, created_at
FROM inserted
UNION ALL
SELECT false, message_id, attempt, account_id, channel, price_code, units, -amount_minor,
       balance_after_minor, currency, created_at
FROM existing WHERE event_id = incoming_event_id
"""

_ENTRY_COLUMNS = """id, account_id, kind, amount_minor, balance_after_minor, currency, message_id, attempt, channel,
price_code, units, unit_price_minor, reason, actor, idempotency_key, created_at"""


@dataclass(frozen=True, slots=True)
class Charge:
    """One attempt to charge, priced by code and units (the amount comes from billing.prices)."""

    event_id: str
    message_id: str
    attempt: int
    account_id: int
    channel: str
    price_code: str
    units: int


@dataclass(frozen=True, slots=True)
class AppliedCharge:
    """A charge in the ledger; `new` is False when it was there already (a redelivery)."""

    new: bool
    message_id: str
    attempt: int
    account_id: int
    channel: str
    price_code: str
    units: int
    amount_minor: int  # positive: what the attempt cost
    balance_after_minor: int
    currency: str
    charged_at: datetime


@dataclass(frozen=True, slots=True)
class TransactionQuery:
    account_id: int
    page: int
    page_size: int
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class BillingStore:
    def __init__(self, pool: asyncpg.Pool, *, currency: str) -> None:
        self.pool = pool
        self.currency = currency

    # -- charges ------------------------------------------------------------------------
    async def apply_charges(self, charges: Sequence[Charge]) -> list[AppliedCharge]:
        """Charge a batch in one transaction; at most one entry per (message id, attempt).

        Returns the entries made now, and the existing entries of charges whose event
        had already charged them (a redelivered batch). Charges of attempts charged by
        another event are left out. `charges` must not repeat a (message id, attempt).
        """
        if not charges:
            return []
        accounts = sorted({c.account_id for c in charges})
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_BALANCES_SQL, accounts, self.currency)
            rows = await conn.fetch(
                _CHARGE_SQL,
                [c.message_id for c in charges],
                [c.attempt for c in charges],
                [c.account_id for c in charges],
                [c.channel for c in charges],
                [c.price_code for c in charges],
                [c.units for c in charges],
                [c.event_id for c in charges],
            )
        return [
            AppliedCharge(
                new=row["new"],
                message_id=row["message_id"],
                attempt=row["attempt"],
                account_id=row["account_id"],
                channel=row["channel"],
                price_code=row["price_code"],
                units=row["units"],
                amount_minor=row["amount_minor"],
                balance_after_minor=row["balance_after_minor"],
                currency=row["currency"],
                charged_at=row["created_at"],
            )
            for row in rows
        ]

    # -- adjustments --------------------------------------------------------------------
    async def adjust(
        self, account_id: int, amount_minor: int, *, reason: str, actor: str | None, idempotency_key: str | None
    ) -> tuple[asyncpg.Record, bool]:
        """Credit (amount > 0) or debit (amount < 0) an account; returns (entry, created).

        With an idempotency key already used on this account, nothing changes and the
        first entry is returned with created=False (the caller compares it).
        """
        kind = "CREDIT" if amount_minor > 0 else "DEBIT"
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_BALANCES_SQL, [account_id], self.currency)
            if idempotency_key is not None:
                existing = await conn.fetchrow(
                    f"SELECT {_ENTRY_COLUMNS} FROM billing.ledger WHERE account_id = $1 AND idempotency_key = $2",
                    account_id,
                    idempotency_key,
                )
                if existing is not None:
                    return existing, False
            balance = await conn.fetchrow(
                "UPDATE billing.balances SET balance_minor = balance_minor + $2, updated_at = now()"
                " WHERE account_id = $1 RETURNING balance_minor, currency",
                account_id,
                amount_minor,
            )
            entry = await conn.fetchrow(
                "INSERT INTO billing.ledger (account_id, kind, amount_minor, balance_after_minor, currency, reason,"
                " actor, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                f" RETURNING {_ENTRY_COLUMNS}",
                account_id,
                kind,
                amount_minor,
                balance["balance_minor"],
                balance["currency"],
                reason,
                actor,
                idempotency_key,
            )
        return entry, True

    # -- reads --------------------------------------------------------------------------
    async def balance(self, account_id: int) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(
                "SELECT account_id, balance_minor, currency, updated_at FROM billing.balances WHERE account_id = $1",
                account_id,
            )

    async def transactions(self, query: TransactionQuery) -> tuple[list[asyncpg.Record], int]:
        """One page of an account's ledger, newest first, and how many entries match."""
        where = "account_id = $1 AND ($2::text IS NULL OR kind = $2)"
        where += " AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)"
        args = (query.account_id, query.kind, query.since, query.until)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM billing.ledger WHERE {where}", *args)
            rows = await conn.fetch(
                f"SELECT {_ENTRY_COLUMNS} FROM billing.ledger WHERE {where} ORDER BY id DESC LIMIT $5 OFFSET $6",
                *args,
                query.page_size,
                (query.page - 1) * query.page_size,
            )
        return rows, total

    async def prices(self) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return await conn.fetch(
                "SELECT price_code, channel, unit, description, message_type, amount_minor, updated_at, updated_by"
                " FROM billing.prices ORDER BY channel, price_code"
            )

    async def set_price(self, price_code: str, amount_minor: int, *, actor: str | None) -> asyncpg.Record | None:
        """Change the unit price of an existing code; None when there is no such code."""
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(
                "UPDATE billing.prices SET amount_minor = $2, updated_at = now(), updated_by = $3"
                " WHERE price_code = $1"
                " RETURNING price_code, channel, unit, description, message_type, amount_minor, updated_at, updated_by",
                price_code,
                amount_minor,
                actor,
            )
