"""Receipt deadlines: ending the attempts whose receipt never came.

A connector stores, for every attempt it sent, when its receipt is due. A
`DeadlineSweeper` calls that connector's `sweep_batch(conn, limit)` round after round;
each call claims up to `limit` attempts past their deadline (its SQL takes them with
`FOR UPDATE SKIP LOCKED`, so replicas sweeping at once each take other rows), asks the
provider where the protocol allows it, publishes what it decided, marks the rows, and
returns how many attempts had which outcome. This module opens the transaction around
each call and commits it after the call returns. Guarantees, for a `sweep_batch` that
publishes before it returns:

- an attempt's decision is in Kafka before its mark commits: a crash or a failed commit
  in between publishes it again next round (at least once; consumers apply statuses
  with `cpaas.contracts.supersedes`, so the repeat changes nothing);
- a committed mark takes the attempt out of every later claim, so an attempt is never
  expired twice, by this replica or another;
- a failed round (database or Kafka away) is rolled back, logged, counted and retried
  `every_seconds` later.

Outcome `DEFERRED` means "could not decide now" (e.g. the provider did not answer the
question): such rows are left as they were and tried again next round, and a batch with
deferred rows ends the round so the same rows are not asked again at once.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
from prometheus_client import Counter as PromCounter
from prometheus_client import Histogram

log = logging.getLogger(__name__)

BATCH_ROWS = 500
EXPIRED = "expired"  # no receipt, and the provider could not be asked or did not know
DEFERRED = "deferred"

SweepBatch = Callable[[asyncpg.Connection, int], Awaitable[Mapping[str, int]]]

DEADLINE_ATTEMPTS = PromCounter(
    "cpaas_receipt_deadline_attempts_total",
    "Attempts found past their receipt deadline, by what became of them",
    ["service", "outcome"],
)
DEADLINE_FAILURES = PromCounter(
    "cpaas_receipt_deadline_sweep_failures_total", "Deadline sweep rounds that failed (retried)", ["service"]
)
DEADLINE_SECONDS = Histogram(
    "cpaas_receipt_deadline_sweep_seconds",
    "Time of one deadline sweep round",
    ["service"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30),
)


def expiry_detail(deadline_seconds: float) -> str:
    """The error_detail of an expired attempt: 'expired, no receipt within 86400 s'."""
    whole = round(deadline_seconds)
    shown = str(whole) if abs(deadline_seconds - whole) < 1e-6 else f"{deadline_seconds:g}"
    return f"expired, no receipt within {shown} s"


class DeadlineSweeper:
    def __init__(
        self,
        pool: asyncpg.Pool,
        sweep_batch: SweepBatch,
        *,
        service: str,
        every_seconds: float,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.pool, self.sweep_batch, self.service = pool, sweep_batch, service
        self.every_seconds, self.batch_rows = every_seconds, batch_rows

    async def sweep_once(self) -> dict[str, int]:
        """Batches until none comes back full of decided rows; the outcomes of this round."""
        totals: Counter[str] = Counter()
        started = time.perf_counter()
        try:
            while True:
                async with self.pool.acquire() as conn, conn.transaction():
                    outcomes = dict(await self.sweep_batch(conn, self.batch_rows))
                for outcome, count in outcomes.items():
                    DEADLINE_ATTEMPTS.labels(self.service, outcome).inc(count)
                totals.update(outcomes)
                decided = sum(n for outcome, n in outcomes.items() if outcome != DEFERRED)
                if decided < self.batch_rows:
                    return dict(totals)
        finally:
            DEADLINE_SECONDS.labels(self.service).observe(time.perf_counter() - started)

    async def run(self) -> None:
        """Sweep every `every_seconds` until cancelled; a failed round is logged and retried."""
        while True:
            try:
                outcomes = await self.sweep_once()
                if outcomes:
                    log.info("receipt deadlines swept", extra={"outcomes": outcomes})
            except asyncio.CancelledError:
                raise
            except Exception:
                DEADLINE_FAILURES.labels(self.service).inc()
                log.exception("receipt deadline sweep failed; will retry")
            await asyncio.sleep(self.every_seconds)


def start_deadline_sweeper(sweeper: DeadlineSweeper) -> asyncio.Task:
    """The sweeper as a background task; `stop_deadline_sweeper` ends it."""
    return asyncio.create_task(sweeper.run(), name=f"receipt-deadlines:{sweeper.service}")


async def stop_deadline_sweeper(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
