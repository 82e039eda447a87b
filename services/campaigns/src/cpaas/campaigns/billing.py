"""What campaigns read of billing's tables (read-only; billing is their single writer):
an account's balance, and the price of one unit for the estimate."""

import time

import asyncpg

from cpaas.campaigns.domain.estimate import Estimate

BALANCE_TTL_SECONDS = 1.0  # a dispatcher asks every batch; one query a second per account is enough
DEFAULT_CURRENCY = "INR"


class BillingReader:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._balances: dict[int, tuple[float, int, str]] = {}

    async def balance(self, account_id: int, *, fresh: bool = False) -> tuple[int, str]:
        """(balance in minor units, currency); an account billing has not opened has 0."""
        cached = self._balances.get(account_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now and not fresh:
            return cached[1], cached[2]
        row = await self.pool.fetchrow(
            "SELECT balance_minor, currency FROM billing.balances WHERE account_id = $1", account_id
        )
        value = (row["balance_minor"], row["currency"]) if row else (0, DEFAULT_CURRENCY)
        self._balances[account_id] = (now + BALANCE_TTL_SECONDS, *value)
        return value

    async def estimate(self, account_id: int, price_code: str, units: int) -> Estimate:
        _, currency = await self.balance(account_id)
        price = await self.pool.fetchval("SELECT amount_minor FROM billing.prices WHERE price_code = $1", price_code)
        return Estimate(units, price_code, price or 0, currency)
