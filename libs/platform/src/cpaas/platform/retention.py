"""Deleting what a service no longer needs: its per-send rows once no carrier receipt or
provider event can still arrive for them.

Each statement takes `$1` (the cutoff: rows older than it go) and `$2` (a batch size) and
deletes one batch; the sweeper repeats it until a batch comes back short, so no single
transaction holds many locks, and replicas sweeping at once skip each other's rows
(`FOR UPDATE SKIP LOCKED` in the statements)."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg

log = logging.getLogger(__name__)
BATCH_ROWS = 5000


def _count(status: str) -> int:
    """asyncpg's command tag, e.g. 'DELETE 42' -> 42."""
    return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0


class RetentionSweeper:
    def __init__(
        self,
        pool: asyncpg.Pool,
        statements: Sequence[str],
        *,
        keep: timedelta,
        every_seconds: float = 3600.0,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.pool, self.statements, self.keep = pool, list(statements), keep
        self.every_seconds, self.batch_rows = every_seconds, batch_rows

    async def sweep_once(self, now: datetime | None = None) -> int:
        """Delete everything older than the retention; returns how many rows went."""
        cutoff = (now or datetime.now(UTC)) - self.keep
        deleted = 0
        for statement in self.statements:
            while True:
                gone = _count(await self.pool.execute(statement, cutoff, self.batch_rows))
                deleted += gone
                if gone < self.batch_rows:
                    break
        return deleted

    async def run(self) -> None:
        """Sweep every `every_seconds` until cancelled; a failed sweep is logged and retried."""
        while True:
            try:
                deleted = await self.sweep_once()
                if deleted:
                    log.info("retention sweep", extra={"deleted": deleted})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention sweep failed; will retry")
            await asyncio.sleep(self.every_seconds)


def start_sweeping(
    pool: asyncpg.Pool, statements: Sequence[str], *, keep_days: float, every_seconds: float = 3600.0
) -> asyncio.Task:
    """The sweeper as a background task (its first sweep after `every_seconds`); `stop_sweeping` ends it."""
    sweeper = RetentionSweeper(pool, statements, keep=timedelta(days=keep_days), every_seconds=every_seconds)

    async def delayed() -> None:
        await asyncio.sleep(every_seconds)
        await sweeper.run()

    return asyncio.create_task(delayed(), name="retention-sweep")


async def stop_sweeping(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
