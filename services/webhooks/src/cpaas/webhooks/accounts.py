"""Each account's webhook URL and signing secret, read from the console and cached.

The console is the single writer of console.accounts; this service only reads it. A
changed account NOTIFYs 'cpaas_console' with 'accounts:<id>' and the entry is evicted
at once (a new URL or a rotated secret applies to the next receipt); a TTL bounds
staleness should a notification be missed, and losing the LISTEN connection clears
everything. A load that raced an eviction is used but not kept.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class AccountWebhook:
    url: str | None
    secret: str | None = None

    @property
    def enabled(self) -> bool:
        """Receipts are queued only for an account with both a URL and a secret to sign with."""
        return bool(self.url) and bool(self.secret)

    def __repr__(self) -> str:  # never the secret, even in a traceback
        return f"AccountWebhook(url={self.url!r}, secret={'set' if self.secret else None})"


NO_WEBHOOK = AccountWebhook(url=None)


class WebhookAccounts:
    def __init__(self, pool: asyncpg.Pool, *, ttl: float) -> None:
        self.pool = pool
        self.ttl = ttl
        self._cache: dict[int, tuple[float, AccountWebhook]] = {}
        self._generation = 0  # bumped by every eviction

    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table == "accounts" and account.isdigit():
            self._cache.pop(int(account), None)
            self._generation += 1

    def clear(self) -> None:
        self._cache.clear()
        self._generation += 1

    async def get_many(self, account_ids: Iterable[int]) -> dict[int, AccountWebhook]:
        """The webhook of each account (NO_WEBHOOK for an unknown one); misses load in one query."""
        now = time.monotonic()
        found: dict[int, AccountWebhook] = {}
        missing: list[int] = []
        for account_id in set(account_ids):
            entry = self._cache.get(account_id)
            if entry is not None and entry[0] > now:
                found[account_id] = entry[1]
            else:
                missing.append(account_id)
        if missing:
            generation = self._generation
            rows = await self.pool.fetch(
                "SELECT id, webhook_url, webhook_secret FROM console.accounts WHERE id = ANY($1::bigint[])", missing
            )
            loaded = {row["id"]: AccountWebhook(row["webhook_url"], row["webhook_secret"]) for row in rows}
            for account_id in missing:
                webhook = loaded.get(account_id, NO_WEBHOOK)
                found[account_id] = webhook
                if generation == self._generation:
                    self._cache[account_id] = (now + self.ttl, webhook)
        return found

    async def get(self, account_id: int) -> AccountWebhook:
        return (await self.get_many((account_id,)))[account_id]
