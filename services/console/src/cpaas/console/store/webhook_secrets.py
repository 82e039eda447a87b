"""SQL of accounts' webhook signing secrets (console.accounts.webhook_secret*).

Each account has its own secret from its creation; it is stored sealed with the console's
SecretBox (the key the webhooks service opens it with to sign receipts), never hashed,
since the webhooks service must compute HMACs with it. A rotation keeps the replaced
secret in `webhook_secret_previous` until `webhook_secret_previous_until`: meanwhile the
webhooks service signs every receipt with both (cpaas.control_plane.Account.signing_secrets).
The full secret leaves the console only in the answer of the call that made it (an
account's creation, a rotation); everywhere else it is masked.
"""

from datetime import datetime

import asyncpg

from cpaas.console.domain.audit import Entry
from cpaas.console.domain.credentials import mask_secret, new_webhook_secret
from cpaas.console.store import audit as audit_log
from cpaas.platform.secretbox import SecretBox, is_sealed


class WebhookSecretStore:
    def __init__(self, pool: asyncpg.Pool, box: SecretBox) -> None:
        self.pool, self.box = pool, box

    async def issue(self, account_id: int) -> str | None:
        """Give the account its first secret; the secret (shown once), or None when it already had one."""
        secret = new_webhook_secret()
        done = await self.pool.execute(
            "UPDATE accounts SET webhook_secret = $2, updated_at = now() WHERE id = $1 AND webhook_secret IS NULL",
            account_id,
            self.box.seal(secret),
        )
        return secret if done.endswith(" 1") else None

    async def set(self, account_id: int, secret: str) -> None:
        """Replace the secret outright, no grace period (the seed's demo account)."""
        await self.pool.execute(
            "UPDATE accounts SET webhook_secret = $2, updated_at = now() WHERE id = $1",
            account_id,
            self.box.seal(secret),
        )

    async def rotate(
        self, account_id: int, grace_seconds: float, *, audit: Entry | None = None
    ) -> tuple[str, datetime | None]:
        """A new secret (shown once) and until when the replaced one stays valid (None: there
        was none, or no grace period). The replaced secret's own grace period, if it was
        still running, ends now: at most two secrets are ever valid."""
        secret = new_webhook_secret()
        async with self.pool.acquire() as conn, conn.transaction():
            until = await conn.fetchval(
                "UPDATE accounts SET webhook_secret_previous = CASE WHEN $3 > 0 THEN webhook_secret END,"
                " webhook_secret_previous_until ="
                "   CASE WHEN $3 > 0 AND webhook_secret IS NOT NULL THEN now() + make_interval(secs => $3) END,"
                " webhook_secret = $2, webhook_secret_rotated_at = now(), updated_at = now()"
                " WHERE id = $1 RETURNING webhook_secret_previous_until",
                account_id,
                self.box.seal(secret),
                float(grace_seconds),
            )
            if audit is not None:
                await audit_log.write(conn, audit)
        return secret, until

    async def current(self, account_id: int) -> str | None:
        """The account's secret, opened (the seed writes the demo's into its credentials file)."""
        stored = await self.pool.fetchval("SELECT webhook_secret FROM accounts WHERE id = $1", account_id)
        return None if stored is None else self.box.open(stored)

    async def shown(self, account_id: int) -> asyncpg.Record:
        """What Settings shows: the masked secret, when it was last rotated, until when the
        previous one is valid (null when none is)."""
        row = await self.pool.fetchrow(
            "SELECT webhook_secret, webhook_secret_rotated_at,"
            " CASE WHEN webhook_secret_previous_until > now() THEN webhook_secret_previous_until END"
            "   AS previous_valid_until"
            " FROM accounts WHERE id = $1",
            account_id,
        )
        return row

    def masked(self, stored: str | None) -> str | None:
        return None if stored is None else mask_secret(self.box.open(stored))

    async def seal_and_backfill(self) -> int:
        """At start: seal secrets stored in clear (before sealing existed), and give every
        account that has none its own; returns how many rows changed."""
        changed = 0
        rows = await self.pool.fetch(
            "SELECT id, webhook_secret, webhook_secret_previous FROM accounts"
            " WHERE webhook_secret IS NULL OR webhook_secret NOT LIKE 'enc:v1:%'"
            " OR webhook_secret_previous NOT LIKE 'enc:v1:%'"
        )
        for row in rows:
            current, previous = row["webhook_secret"], row["webhook_secret_previous"]
            sealed = self.box.seal(new_webhook_secret() if current is None else current)
            if current is not None and is_sealed(current):
                sealed = current
            sealed_previous = previous if previous is None or is_sealed(previous) else self.box.seal(previous)
            result = await self.pool.execute(
                "UPDATE accounts SET webhook_secret = $2, webhook_secret_previous = $3 WHERE id = $1"
                " AND webhook_secret IS NOT DISTINCT FROM $4 AND webhook_secret_previous IS NOT DISTINCT FROM $5",
                row["id"],
                sealed,
                sealed_previous,
                current,
                previous,
            )
            changed += result.endswith(" 1")
        return changed
