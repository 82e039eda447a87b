"""SQL of login throttling (the model and its policy: domain/login_throttle.py).

One row per counter. An attempt first takes its counters (`begin`): in one transaction the
rows are created if missing and locked, so concurrent attempts on a counter are decided
one after another, never all against the same old count; the attempt is refused when a
counter's wait has not ended, or when another attempt on it is still being checked (its
`pending_until`: a burst of parallel guesses is answered one at a time, the rest 429).
Then the password is checked outside any transaction, and `failed` or `succeeded` writes
the outcome. A process that dies in between leaves `pending_until`, which ends by itself.
"""

import math
from dataclasses import dataclass

import asyncpg

from cpaas.console.domain.login_throttle import ADDRESS, PAIR, USERNAME, LoginKeys, ThrottlePolicy

PENDING_SECONDS = 10.0  # longest one attempt holds its counters (a password check takes well under 1 s)

# the rows are a counter's state only within the memory window: older failures count as none
_STATE = """
SELECT key,
       CASE WHEN last_failure_at > now() - make_interval(secs => $2) THEN failures ELSE 0 END AS failures,
       GREATEST(EXTRACT(EPOCH FROM wait_until - now()), 0)::float8 AS wait_seconds,
       COALESCE(pending_until > now(), false) AS pending
FROM login_throttle WHERE key = ANY($1::text[]) FOR UPDATE
"""

_FAILED = """
UPDATE login_throttle t SET
    failures = f.failures,
    last_failure_at = now(),
    wait_until = now() + make_interval(secs => f.wait_seconds),
    pending_until = CASE WHEN f.held THEN NULL ELSE t.pending_until END,
    touched_at = now()
FROM unnest($1::text[], $2::int[], $3::float8[], $4::bool[]) AS f (key, failures, wait_seconds, held)
WHERE t.key = f.key
"""

# the retention sweeper's statement ($1 cutoff, $2 batch): counters untouched since the cutoff
SWEEP_STALE = (
    "DELETE FROM login_throttle WHERE key IN (SELECT key FROM login_throttle WHERE touched_at < $1"
    " ORDER BY touched_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
)


@dataclass(frozen=True)
class Verdict:
    """`retry_after` is None when the attempt may go ahead, else the whole seconds to wait."""

    retry_after: int | None
    counted: tuple[str, ...]  # the keys this attempt holds while its password is checked


class ThrottleStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def begin(self, keys: LoginKeys, policy: ThrottlePolicy) -> Verdict:
        """Take the attempt's counters, or say how long it must wait (nothing is counted then)."""
        scoped = keys.scoped()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO login_throttle (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
                list(scoped.values()),
            )
            rows = {r["key"]: r for r in await conn.fetch(_STATE, list(scoped.values()), policy.memory_seconds)}
            # the username's counter applies only where this address already failed for it
            applies = [ADDRESS, PAIR] + ([USERNAME] if rows[keys.pair]["failures"] > 0 else [])
            held = tuple(scoped[scope] for scope in applies)
            waits = [rows[key]["wait_seconds"] for key in held]
            if any(rows[key]["pending"] for key in held):
                waits.append(1.0)
            if max(waits) > 0:
                return Verdict(max(1, math.ceil(max(waits))), ())
            await conn.execute(
                "UPDATE login_throttle SET pending_until = now() + make_interval(secs => $2), touched_at = now()"
                " WHERE key = ANY($1::text[])",
                list(held),
                PENDING_SECONDS,
            )
        return Verdict(None, held)

    async def failed(self, keys: LoginKeys, verdict: Verdict, policy: ThrottlePolicy) -> None:
        """Count a failed attempt on every counter (the username's too, from any address) and
        set each counter's next wait."""
        scoped = keys.scoped()
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_STATE, list(scoped.values()), policy.memory_seconds)
            failures = {r["key"]: r["failures"] + 1 for r in rows}
            waits = {key: policy.backoff(scope).wait_seconds(failures[key]) for scope, key in scoped.items()}
            await conn.execute(
                _FAILED,
                list(failures),
                list(failures.values()),
                [waits[key] for key in failures],
                [key in verdict.counted for key in failures],
            )

    async def succeeded(self, keys: LoginKeys, verdict: Verdict) -> None:
        """The pair's failures are forgiven; the address's and the username's run out by themselves
        (a sprayer's own valid login must not reset them)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM login_throttle WHERE key = $1", keys.pair)
            await conn.execute(
                "UPDATE login_throttle SET pending_until = NULL WHERE key = ANY($1::text[])", list(verdict.counted)
            )
