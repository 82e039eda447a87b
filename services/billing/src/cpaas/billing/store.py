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
from typing import TypeVar

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
    FROM input i JOIN billing.ledger l ON l.message_id = i.message_id AND l.attempt = i.attempt AND l.kind = 'CHARGE'
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
    ON CONFLICT (message_id, attempt, kind) WHERE message_id IS NOT NULL DO NOTHING
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
FROM existing e WHERE event_id = incoming_event_id
    -- a refunded attempt's cost is its refund's to tell (0): its charge is not published again
    AND NOT EXISTS (SELECT 1 FROM billing.ledger r
                    WHERE r.message_id = e.message_id AND r.attempt = e.attempt AND r.kind = 'REFUND')
"""

# The refunds of a batch, after its charges (same transaction, balance rows locked):
# each attempt that has a charge and no refund yet gets a REFUND entry of the charge's
# amount, copying its channel, price and units, with its running balance; attempts
# never charged (a send the provider refused) are left alone, and a refund already made
# by this very event is returned (a redelivered batch publishes it again).
_REFUND_SQL = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::text[])
        WITH ORDINALITY AS i(message_id, attempt, account_id, event_id, ord)
), existing AS (
    SELECT l.*, i.event_id AS incoming_event_id
    FROM input i JOIN billing.ledger l ON l.message_id = i.message_id AND l.attempt = i.attempt AND l.kind = 'REFUND'
), fresh AS (
    SELECT i.ord, i.event_id AS incoming_event_id, c.account_id, c.message_id, c.attempt, c.channel, c.price_code,
           c.units, c.unit_price_minor, -c.amount_minor AS amount
    FROM input i JOIN billing.ledger c ON c.message_id = i.message_id AND c.attempt = i.attempt
        AND c.account_id = i.account_id AND c.kind = 'CHARGE'
    WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.message_id = i.message_id AND e.attempt = i.attempt)
), inserted AS (
    INSERT INTO billing.ledger (account_id, kind, amount_minor, balance_after_minor, currency, message_id, attempt,
                                channel, price_code, units, unit_price_minor, event_id)
    SELECT f.account_id, 'REFUND', f.amount,
           b.balance_minor + sum(f.amount) OVER (PARTITION BY f.account_id ORDER BY f.ord),
           b.currency, f.message_id, f.attempt, f.channel, f.price_code, f.units, f.unit_price_minor,
           f.incoming_event_id
    FROM fresh f JOIN billing.balances b USING (account_id)
    ORDER BY f.ord
    ON CONFLICT (message_id, attempt, kind) WHERE message_id IS NOT NULL DO NOTHING
    RETURNING *
), moved AS (
    UPDATE billing.balances b SET balance_minor = b.balance_minor + s.total, updated_at = now()
    FROM (SELECT account_id, sum(amount_minor) AS total FROM inserted GROUP BY account_id) s
    WHERE b.account_id = s.account_id
)
SELECT true AS new, message_id, attempt, account_id, channel, price_code, units, amount_minor,
       balance_after_minor, currency, created_at
FROM inserted
UNION ALL
SELECT false, message_id, attempt, account_id, channel, price_code, units, amount_minor,
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
class Refund:
    """An attempt whose charge (if it has one) is to be refunded: it ended undelivered."""

    event_id: str
    message_id: str
    attempt: int
    account_id: int
    channel: str


@dataclass(frozen=True, slots=True)
class AppliedCharge:
    """A charge (or, in `AppliedRefund`, a refund) in the ledger; `new` is False when it
    was there already (a redelivery)."""

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
class AppliedRefund(AppliedCharge):
    """A refund in the ledger: `amount_minor` (positive) is what went back to the balance."""


_Applied = TypeVar("_Applied", bound=AppliedCharge)


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
        """Charge a batch in one transaction (see `apply`)."""
        applied, _ = await self.apply(charges, ())
        return applied

    async def apply(
        self, charges: Sequence[Charge], refunds: Sequence[Refund]
    ) -> tuple[list[AppliedCharge], list[AppliedRefund]]:
        """Charge, then refund, a batch in one transaction; at most one charge and one
        refund per (message id, attempt), a refund only of an attempt that has a charge.

        Returns the entries made now, and the existing entries whose event had already
        made them (a redelivered batch); a charge whose attempt was refunded is not
        returned again. Entries made by another event are left out. Neither `charges`
        nor `refunds` may repeat a (message id, attempt).
        """
        if not charges and not refunds:
            return [], []
        accounts = sorted({c.account_id for c in charges} | {r.account_id for r in refunds})
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_BALANCES_SQL, accounts, self.currency)
            rows = []
            if charges:
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
            refunded = []
            if refunds:
                refunded = await conn.fetch(
                    _REFUND_SQL,
                    [r.message_id for r in refunds],
                    [r.attempt for r in refunds],
                    [r.account_id for r in refunds],
                    [r.event_id for r in refunds],
                )
        return [_applied(AppliedCharge, row) for row in rows], [_applied(AppliedRefund, row) for row in refunded]

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


def _applied(cls: type[_Applied], row: asyncpg.Record) -> _Applied:
    return cls(
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
