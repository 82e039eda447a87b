"""Detection: read the windows, run the detectors, record the alerts (a persisting condition
updates its alert), publish each new or changed alert as an `ai.alert` event, score each
account's fraud probability. Runs every `detect_interval_seconds` (one replica at a time:
a PostgreSQL advisory lock) and on `POST .../anomalies/detect` for one account.

`now` is passed in (the bench drives a simulated clock); it is the end of the windows."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from cpaas.ai.domain.anomaly.detectors import Finding, detect
from cpaas.ai.domain.anomaly.fraud import FraudModel, features
from cpaas.ai.domain.anomaly.guard import holds_to_place
from cpaas.ai.domain.anomaly.windows import AccountWindow, build_windows
from cpaas.ai.store import AnomalyStore
from cpaas.contracts.events import AiAlertV1
from cpaas.contracts.topics import AI_ALERT
from cpaas.platform.broker import EventPublisher
from cpaas.platform.pg_session import hold_session_state

log = logging.getLogger(__name__)
DETECTION_LOCK = 0x41495F444554  # pg advisory lock of the periodic run ("AI_DET")


@dataclass(frozen=True)
class Result:
    account_id: int
    findings: list[Finding]
    alerts: list[asyncpg.Record]  # the alert of each condition found (new, updated or unchanged)
    changed: list[asyncpg.Record]  # those this run raised or updated
    probability: float
    reasons: list[dict]
    holds: list[asyncpg.Record] = ()  # the fraud holds this run placed


def alert_event(row: asyncpg.Record) -> AiAlertV1:
    import json

    evidence = row["evidence"]
    return AiAlertV1(
        alert_id=row["alert_id"],
        account_id=row["account_id"],
        kind=row["kind"],
        alert_type=row["alert_type"],
        severity=row["severity"],
        subject_type=row["subject_type"],
        subject=row["subject"],
        window_start=row["window_start"],
        window_end=row["window_end"],
        evidence=json.loads(evidence) if isinstance(evidence, str) else evidence,
        status=row["status"],
        raised_at=row["raised_at"],
        updated_at=row["updated_at"],
    )


def minute_floor(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class GuardSettings:
    """The fraud guard: hold an account's pumped destinations at `threshold` (None: off);
    a subject an admin released is not held again for `release_grace`."""

    threshold: float | None = 0.9
    release_grace: timedelta = timedelta(hours=24)


class Detection:
    def __init__(
        self,
        store: AnomalyStore,
        publisher: EventPublisher | None,
        model: FraudModel,
        guard: GuardSettings | None = None,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.model = model
        self.guard = guard or GuardSettings()

    async def windows(self, now: datetime, account_id: int | None = None) -> dict[int, AccountWindow]:
        traffic, otp, content = await self.store.recent(now, account_id)
        bare = build_windows(now, traffic, otp, content, {})
        long_prefixes: dict[int, dict[str, int]] = {}
        for row in traffic:
            if row.submitted:
                per = long_prefixes.setdefault(row.account_id, {})
                per[row.prefix] = per.get(row.prefix, 0) + row.submitted
        histories = await self.store.histories(now, {a: sorted(w.prefixes) for a, w in bare.items()})
        for account_id, h in histories.items():
            recent = long_prefixes.get(account_id, {})
            h.prefixes = {p: max(0, n - recent.get(p, 0)) for p, n in h.prefixes.items()}  # before the last hour
        windows = build_windows(now, traffic, otp, content, histories)
        risky = await self.store.high_risk_templates(
            sorted({t for w in windows.values() for _, t in w.sender_templates})
        )
        if risky:
            for w in windows.values():
                w.high_risk_templates = {t: risky[t] for _, t in w.sender_templates if t in risky}
        return windows

    async def run(self, now: datetime, account_id: int | None = None) -> list[Result]:
        """Detect over the windows ending at `now` (all accounts with traffic, or one)."""
        windows = await self.windows(now, account_id)
        if account_id is not None and account_id not in windows:
            windows = {}
        results, scores = [], []
        for aid, w in sorted(windows.items()):
            findings = detect(w)
            recorded = await self.store.record(aid, findings, now) if findings else []
            written = [row for row, changed in recorded if changed]
            x = features(w, findings)
            probability, reasons = self.model.probability(x), self.model.reasons(x)
            scores.append((aid, probability, reasons))
            if self.publisher is not None and written:
                await self.publisher.publish_many((AI_ALERT.name, alert_event(row), str(aid)) for row in written)
            unique = {row["alert_id"]: row for row, _ in recorded}
            holds = await self._guard(aid, findings, unique.values(), probability, reasons, now)
            results.append(Result(aid, findings, list(unique.values()), written, probability, reasons, holds))
        await self.store.save_scores(scores, now)
        return results

    async def _guard(self, account_id, findings, alerts, probability, reasons, now) -> list[asyncpg.Record]:
        threshold = self.guard.threshold
        if threshold is None or probability < threshold:
            return []
        released = await self.store.released_subjects(account_id, now - self.guard.release_grace)
        decisions = holds_to_place(probability, findings, threshold=threshold, released=released)
        if not decisions:
            return []
        alert_ids = {(a["alert_type"], a["subject_type"], a["subject"]): a["alert_id"] for a in alerts}
        placed = await self.store.place_holds(account_id, decisions, alert_ids, probability, reasons, now)
        for hold in placed:
            log.warning(
                "fraud hold placed",
                extra={
                    "account_id": account_id,
                    "hold_id": hold["hold_id"],
                    "subject": f"{hold['subject_type']} {hold['subject']}",
                    "probability": round(probability, 3),
                },
            )
        return placed

    async def run_locked(self, now: datetime) -> list[Result] | None:
        """The periodic run: None when another replica holds the lock."""
        async with self.store.pool.acquire() as conn:
            hold_session_state(conn)  # a session lock: the pool resets the connection on release
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", DETECTION_LOCK):
                return None
            try:
                return await self.run(now)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", DETECTION_LOCK)


async def detect_forever(
    detection: Detection,
    *,
    interval_seconds: float,
    prune: Callable[[datetime], Awaitable[None]],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Every `interval_seconds`: detect over the minutes up to now, then prune by age."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            now = minute_floor(clock())
            await detection.run_locked(now)
            await prune(now)
        except asyncio.CancelledError:
            raise
        except Exception:  # the next round tries again; one failure must not stop detection
            log.exception("anomaly detection failed")


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
