"""Seeding a balance for the local default: an opening credit applied once.

Idempotent through the ledger's unique (account, idempotency key): calling it again,
from the launcher or the CLI, changes nothing and returns the first entry.
"""

from pathlib import Path

import asyncpg

from cpaas.billing.store import SCHEMA, BillingStore
from cpaas.platform.migrations import apply_migrations

MIGRATIONS = Path(__file__).parent / "migrations"
OPENING_BALANCE_KEY = "opening-balance"
SEED_ACTOR = "seed"


async def ensure_opening_balance(
    pool: asyncpg.Pool,
    account_id: int,
    amount_minor: int,
    reason: str,
    *,
    currency: str = "INR",
    idempotency_key: str = OPENING_BALANCE_KEY,
) -> asyncpg.Record:
    """Credit `amount_minor` to the account unless this key already did; returns the entry.

    Applies billing's migrations first, so it works before the billing service ever ran.
    """
    if amount_minor <= 0:
        raise ValueError("an opening balance is a positive credit")
    await apply_migrations(pool, SCHEMA, MIGRATIONS)
    store = BillingStore(pool, currency=currency)
    entry, _ = await store.adjust(
        account_id, amount_minor, reason=reason, actor=SEED_ACTOR, idempotency_key=idempotency_key
    )
    return entry
