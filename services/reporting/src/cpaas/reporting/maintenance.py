"""Day partitions ahead of time, and retention: dropping the days older than it (the log's
partitions and the rollups' buckets).

Every replica runs this; the SQL functions serialise on an advisory lock, so running it
twice at once is harmless.
"""

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

from cpaas.reporting.domain import retention_cutoff
from cpaas.reporting.metrics import PARTITIONS
from cpaas.reporting.store import MessageLog

log = logging.getLogger(__name__)


async def maintain_partitions(
    message_log: MessageLog, *, retention_days: int, ahead_days: int, today: date | None = None
) -> None:
    """Create today's partitions and `ahead_days` more; drop those older than the retention."""
    today = today or datetime.now(UTC).date()
    created = await message_log.ensure_days({today + timedelta(days=n) for n in range(ahead_days + 1)})
    cutoff = retention_cutoff(today, retention_days)
    dropped = await message_log.drop_days_before(cutoff)
    await message_log.drop_rollups_before(cutoff)  # the rollups keep the same days as the log
    PARTITIONS.labels("created").inc(created)
    PARTITIONS.labels("dropped").inc(len(dropped))


async def maintain_partitions_forever(
    message_log: MessageLog, *, retention_days: int, ahead_days: int, interval_seconds: float
) -> None:
    """Repeat `maintain_partitions` every interval until cancelled; a failure is logged and retried."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await maintain_partitions(message_log, retention_days=retention_days, ahead_days=ahead_days)
        except Exception:
            log.exception("partition maintenance failed; retrying at the next interval")
