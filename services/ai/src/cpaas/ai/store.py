"""The ai schema's SQL: the aggregates' writes (one transaction per batch), the reads the
detectors need, the alerts and the fraud scores. Every read of an account's data is
filtered by its account id."""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import orjson

from cpaas.ai.domain.anomaly.detectors import SPAM_SAME_CONTENT, Finding
from cpaas.ai.domain.anomaly.facts import Fact
from cpaas.ai.domain.anomaly.windows import LONG_MINUTES, SHORT_MINUTES, Counts, History, TrafficRow

HISTORY_DAYS = 28
PERSIST_GAP = timedelta(minutes=15)  # a condition seen again within this updates its alert

# One statement per batch (one round trip, the sums done by PostgreSQL): the facts' keys
# not counted before are inserted into `counted`; only those facts add to the minute rows,
# the hour roll-up, the destinations, the OTP numbers and the contents. Each upsert's rows
# are grouped (one row per key) and ordered by key, so concurrent batches lock in one order.
APPLY = """
WITH f AS (
    SELECT e->>0 AS fact_key, (e->>1)::timestamptz AS minute, (e->>2)::bigint AS account_id, e->>3 AS channel,
        e->>4 AS sender_id, e->>5 AS country, e->>6 AS prefix, (e->>7)::bigint AS template_id,
        (e->>8)::int AS submitted, (e->>9)::int AS otp, (e->>10)::int AS delivered, (e->>11)::int AS failed,
        (e->>12)::int AS blacklisted, e->>13 AS otp_recipient, e->>14 AS content_hash
    FROM jsonb_array_elements($1::jsonb) AS e
), new AS (
    INSERT INTO counted (fact_key, minute) SELECT fact_key, minute FROM f ORDER BY fact_key
    ON CONFLICT DO NOTHING RETURNING fact_key
), fresh AS MATERIALIZED (
    SELECT f.* FROM f JOIN new USING (fact_key)
), traffic AS (
    INSERT INTO traffic_minute AS t (minute, account_id, channel, sender_id, country, prefix, template_id,
        submitted, otp, delivered, failed, blacklisted)
    SELECT minute, account_id, channel, sender_id, country, prefix, template_id,
        sum(submitted), sum(otp), sum(delivered), sum(failed), sum(blacklisted)
    FROM fresh GROUP BY account_id, minute, channel, sender_id, country, prefix, template_id
    ORDER BY account_id, minute, channel, sender_id, country, prefix, template_id
    ON CONFLICT (account_id, minute, channel, sender_id, country, prefix, template_id) DO UPDATE SET
        submitted = t.submitted + EXCLUDED.submitted, otp = t.otp + EXCLUDED.otp,
        delivered = t.delivered + EXCLUDED.delivered, failed = t.failed + EXCLUDED.failed,
        blacklisted = t.blacklisted + EXCLUDED.blacklisted
), hours AS (
    INSERT INTO sender_hour AS t (hour, account_id, sender_id, submitted, otp, delivered, failed, blacklisted)
    SELECT date_bin('1 hour', minute, timestamptz '2000-01-01 00:00:00+00') AS hour, account_id, sender_id,
        sum(submitted), sum(otp), sum(delivered), sum(failed), sum(blacklisted)
    FROM fresh GROUP BY account_id, 1, sender_id ORDER BY account_id, 1, sender_id
    ON CONFLICT (account_id, hour, sender_id) DO UPDATE SET
        submitted = t.submitted + EXCLUDED.submitted, otp = t.otp + EXCLUDED.otp,
        delivered = t.delivered + EXCLUDED.delivered, failed = t.failed + EXCLUDED.failed,
        blacklisted = t.blacklisted + EXCLUDED.blacklisted
), dest AS (
    INSERT INTO destinations AS d (account_id, prefix, country, submitted, first_seen, last_seen)
    SELECT account_id, prefix, min(country), sum(submitted), min(minute), max(minute)
    FROM fresh WHERE submitted > 0 GROUP BY account_id, prefix ORDER BY account_id, prefix
    ON CONFLICT (account_id, prefix) DO UPDATE SET
        submitted = d.submitted + EXCLUDED.submitted,
        first_seen = LEAST(d.first_seen, EXCLUDED.first_seen),
        last_seen = GREATEST(d.last_seen, EXCLUDED.last_seen)
), otp AS (
    INSERT INTO otp_minute AS o (minute, account_id, recipient, prefix, messages)
    SELECT minute, account_id, otp_recipient, left(otp_recipient, length(otp_recipient) - 4), count(*)
    FROM fresh WHERE otp_recipient IS NOT NULL
    GROUP BY account_id, minute, otp_recipient ORDER BY account_id, minute, otp_recipient
    ON CONFLICT (account_id, minute, recipient) DO UPDATE SET messages = o.messages + EXCLUDED.messages
), content AS (
    INSERT INTO content_minute AS c (minute, account_id, sender_id, content_hash, template_id, messages)
    SELECT minute, account_id, sender_id, content_hash, min(template_id), count(*)
    FROM fresh WHERE content_hash IS NOT NULL
    GROUP BY account_id, minute, sender_id, content_hash ORDER BY account_id, minute, sender_id, content_hash
    ON CONFLICT (account_id, minute, sender_id, content_hash) DO UPDATE SET messages = c.messages + EXCLUDED.messages
)
SELECT count(*) FROM fresh
"""


def facts_json(facts: Iterable[Fact]) -> str:
    """APPLY's parameter: the facts as one JSON array of arrays (a Fact's fields in order).
    Serialized by orjson in about 0.7 us a fact, where asyncpg's encoding of fifteen typed
    arrays took about 9 us (bench/anomaly.py); PostgreSQL parses it in C."""
    return orjson.dumps([tuple(f) for f in facts]).decode()


@dataclass(frozen=True)
class AlertFilter:
    kind: str
    alert_type: str | None = None
    status: str | None = None
    since: datetime | None = None
    page: int = 1
    page_size: int = 20


class AnomalyStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # ---- writes of the subscriber ------------------------------------------------------

    async def apply(self, facts: list[Fact]) -> int:
        """Count the facts not counted before, in one transaction; returns how many were new."""
        if not facts:
            return 0
        by_key = {f.key: f for f in facts}  # one event twice in a batch is one fact
        async with self.pool.acquire() as conn:
            return await conn.fetchval(APPLY, facts_json(by_key.values()))

    async def prune(self, now: datetime, *, minute_hours: int, hour_days: int, destination_days: int) -> None:
        """Drop minute rows and counted keys past `minute_hours`, hour rows past `hour_days`,
        destinations idle for `destination_days`."""
        minute_cut = now - timedelta(hours=minute_hours)
        async with self.pool.acquire() as conn:
            for table in ("traffic_minute", "otp_minute", "content_minute", "counted"):
                await conn.execute(f"DELETE FROM {table} WHERE minute < $1", minute_cut)
            await conn.execute("DELETE FROM sender_hour WHERE hour < $1", now - timedelta(days=hour_days))
            await conn.execute("DELETE FROM destinations WHERE last_seen < $1", now - timedelta(days=destination_days))

    # ---- reads of the detectors ----------------------------------------------------------

    async def recent(
        self, now: datetime, account_id: int | None = None
    ) -> tuple[list[TrafficRow], list[tuple], list[tuple]]:
        """Minute rows of the last hour, OTP numbers and repeated contents (all accounts, or one)."""
        long_from, short_from = now - timedelta(minutes=LONG_MINUTES), now - timedelta(minutes=SHORT_MINUTES)
        async with self.pool.acquire() as conn:
            traffic = await conn.fetch(
                "SELECT minute, account_id, channel, sender_id, country, prefix, template_id, submitted, otp,"
                " delivered, failed, blacklisted FROM traffic_minute WHERE minute >= $1 AND minute < $2"
                " AND ($3::bigint IS NULL OR account_id = $3)",
                long_from,
                now,
                account_id,
            )
            otp = await conn.fetch(
                "SELECT account_id, recipient, sum(messages)::int AS n FROM otp_minute"
                " WHERE minute >= $1 AND minute < $2 AND ($3::bigint IS NULL OR account_id = $3)"
                " GROUP BY 1, 2",
                short_from,
                now,
                account_id,
            )
            content = await conn.fetch(
                "SELECT account_id, sender_id, content_hash, template_id, sum(messages)::int AS n FROM content_minute"
                " WHERE minute >= $1 AND minute < $2 AND ($3::bigint IS NULL OR account_id = $3)"
                " GROUP BY 1, 2, 3, 4 HAVING sum(messages) >= $4",
                long_from,
                now,
                account_id,
                SPAM_SAME_CONTENT // 2,
            )
        return (
            [TrafficRow(*r) for r in traffic],
            [tuple(r) for r in otp],
            [tuple(r) for r in content],
        )

    async def histories(self, now: datetime, prefixes: dict[int, list[str]]) -> dict[int, History]:
        """The past of each account in `prefixes` (its window's number ranges)."""
        accounts = sorted(prefixes)
        if not accounts:
            return {}
        this_hour = now.replace(minute=0, second=0, microsecond=0)
        hours = [this_hour - timedelta(days=k) for k in range(1, HISTORY_DAYS + 1)]
        before_long = (now - timedelta(minutes=LONG_MINUTES)).replace(minute=0, second=0, microsecond=0)
        short_from = now - timedelta(minutes=SHORT_MINUTES)
        before_short = short_from.replace(minute=0, second=0, microsecond=0)
        out = {a: History() for a in accounts}
        async with self.pool.acquire() as conn:
            for r in await conn.fetch(
                "SELECT account_id, min(hour) AS first, sum(submitted) AS total FROM sender_hour"
                " WHERE account_id = ANY($1) AND hour < $2 GROUP BY 1",
                accounts,
                before_long,
            ):
                h = out[r["account_id"]]
                h.days, h.total = (now - r["first"]).total_seconds() / 86400, int(r["total"])
            per_day: dict[int, dict[datetime, int]] = defaultdict(dict)
            per_sender: dict[tuple[int, str], dict[datetime, int]] = defaultdict(dict)
            for r in await conn.fetch(
                "SELECT account_id, sender_id, hour, submitted FROM sender_hour"
                " WHERE account_id = ANY($1) AND hour = ANY($2)",
                accounts,
                hours,
            ):
                day = per_day[r["account_id"]]
                day[r["hour"]] = day.get(r["hour"], 0) + r["submitted"]
                if r["sender_id"]:
                    per_sender[(r["account_id"], r["sender_id"])][r["hour"]] = r["submitted"]
            for account_id, h in out.items():
                days = int(h.days)
                span = [x for x in hours[: max(days, 0)]]
                counts = per_day.get(account_id, {})
                h.hourly = [counts.get(x, 0) for x in span]
                h.weekly = [counts.get(x, 0) for i, x in enumerate(span) if (i + 1) % 7 == 0]
            for (account_id, sender_id), counts in per_sender.items():
                span = hours[: max(int(out[account_id].days), 0)]
                out[account_id].sender_hourly[sender_id] = [counts.get(x, 0) for x in span]
            for r in await conn.fetch(
                "SELECT account_id, sender_id, sum(submitted) AS n FROM sender_hour"
                " WHERE account_id = ANY($1) AND hour < $2 GROUP BY 1, 2",
                accounts,
                before_long,
            ):
                out[r["account_id"]].sender_total[r["sender_id"]] = int(r["n"])
            for r in await conn.fetch(
                "SELECT account_id, sender_id, sum(submitted) AS s, sum(delivered) AS d, sum(failed) AS f"
                " FROM sender_hour WHERE account_id = ANY($1) AND hour >= $2 AND hour < $3 GROUP BY 1, 2",
                accounts,
                before_short - timedelta(hours=24),
                before_short,
            ):
                h = out[r["account_id"]]
                counts = Counts(submitted=int(r["s"]), delivered=int(r["d"]), failed=int(r["f"]))
                h.failure.add(counts.submitted, 0, counts.delivered, counts.failed, 0)
                if r["sender_id"]:
                    h.sender_failure[r["sender_id"]] = counts
            for r in await conn.fetch(
                "SELECT DISTINCT account_id, country FROM destinations WHERE account_id = ANY($1) AND first_seen < $2",
                accounts,
                short_from,
            ):
                out[r["account_id"]].countries.add(r["country"])
            flat = [(a, p) for a, ps in prefixes.items() for p in ps]
            for r in await conn.fetch(
                "SELECT d.account_id, d.prefix, d.submitted, d.first_seen FROM destinations d"
                " JOIN unnest($1::bigint[], $2::text[]) AS u (a, p) ON d.account_id = u.a AND d.prefix = u.p",
                [a for a, _ in flat],
                [p for _, p in flat],
            ):
                out[r["account_id"]].prefixes[r["prefix"]] = int(r["submitted"])  # less the window: see caller
        return out

    # ---- alerts --------------------------------------------------------------------------

    async def record(
        self, account_id: int, findings: list[Finding], now: datetime
    ) -> list[tuple[asyncpg.Record, bool]]:
        """Raise an alert per new condition, update the alert of a persisting one; returns each
        finding's alert and whether this call wrote it (new or changed)."""
        written: list[tuple[asyncpg.Record, bool]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(1095321684, ($1 % 2147483647)::int)", account_id)
            for f in findings:
                row = await conn.fetchrow(
                    "SELECT * FROM alerts WHERE account_id = $1 AND alert_type = $2"
                    " AND subject_type = $3 AND subject = $4 AND window_end >= $5"
                    " ORDER BY updated_at DESC LIMIT 1 FOR UPDATE",
                    account_id,
                    f.alert_type,
                    f.subject_type,
                    f.subject,
                    f.window_start - PERSIST_GAP,
                )
                if row is None:
                    written.append(
                        (
                            await conn.fetchrow(
                                "INSERT INTO alerts (account_id, kind, alert_type, severity, subject_type, subject,"
                                " window_start, window_end, evidence, raised_at, updated_at)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $10) RETURNING *",
                                account_id,
                                f.kind,
                                f.alert_type,
                                f.severity,
                                f.subject_type,
                                f.subject,
                                f.window_start,
                                f.window_end,
                                json.dumps(f.evidence),
                                now,
                            ),
                            True,
                        )
                    )
                elif row["window_end"] < f.window_end:
                    written.append(
                        (
                            await conn.fetchrow(
                                "UPDATE alerts SET severity = GREATEST(severity, $2), window_end = $3,"
                                " evidence = $4::jsonb, updated_at = $5 WHERE alert_id = $1 RETURNING *",
                                row["alert_id"],
                                f.severity,
                                f.window_end,
                                json.dumps(f.evidence),
                                now,
                            ),
                            True,
                        )
                    )
                else:
                    written.append((row, False))
        return written

    async def alerts(self, account_id: int, q: AlertFilter) -> tuple[list[asyncpg.Record], int]:
        where = "account_id = $1 AND kind = $2 AND ($3::text IS NULL OR alert_type = $3)"
        where += " AND ($4::text IS NULL OR status = $4) AND ($5::timestamptz IS NULL OR updated_at >= $5)"
        args = (account_id, q.kind, q.alert_type, q.status, q.since)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM alerts WHERE {where}", *args)
            rows = await conn.fetch(
                f"SELECT * FROM alerts WHERE {where} ORDER BY updated_at DESC, alert_id DESC LIMIT $6 OFFSET $7",
                *args,
                q.page_size,
                (q.page - 1) * q.page_size,
            )
        return rows, total

    async def summary(self, account_id: int, kind: str, now: datetime) -> asyncpg.Record:
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE updated_at >= $3::timestamptz - interval '24 hours') AS last_24h,"
                " count(*) FILTER (WHERE updated_at >= $3::timestamptz - interval '1 hour') AS last_1h,"
                " count(*) FILTER (WHERE status = 'ACTIVE' AND updated_at >= $3::timestamptz - interval '24 hours') AS active_24h,"
                " coalesce(max(severity) FILTER (WHERE updated_at >= $3::timestamptz - interval '24 hours'), 0) AS risk_score"
                " FROM alerts WHERE account_id = $1 AND kind = $2",
                account_id,
                kind,
                now,
            )

    async def acknowledge(self, account_id: int, alert_id: int, now: datetime) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(
                "UPDATE alerts SET status = 'ACKNOWLEDGED', acknowledged_at = coalesce(acknowledged_at, $3)"
                " WHERE account_id = $1 AND alert_id = $2 RETURNING *",
                account_id,
                alert_id,
                now,
            )

    async def senders(self, account_id: int, now: datetime) -> list[asyncpg.Record]:
        """Per sender over the last 24 h: messages, delivered, failed."""
        async with self.pool.acquire() as conn:
            return await conn.fetch(
                "SELECT sender_id, sum(submitted) AS messages, sum(delivered) AS delivered, sum(failed) AS failed"
                " FROM sender_hour WHERE account_id = $1 AND sender_id <> '' AND hour >= $2"
                " GROUP BY 1 ORDER BY 2 DESC, 1",
                account_id,
                (now - timedelta(hours=24)).replace(minute=0, second=0, microsecond=0),
            )

    # ---- fraud scores --------------------------------------------------------------------

    async def save_score(self, account_id: int, probability: float, reasons: list[dict], now: datetime) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO fraud_scores (account_id, probability, reasons, scored_at) VALUES ($1, $2, $3::jsonb, $4)"
                " ON CONFLICT (account_id) DO UPDATE SET probability = EXCLUDED.probability,"
                " reasons = EXCLUDED.reasons, scored_at = EXCLUDED.scored_at",
                account_id,
                probability,
                json.dumps(reasons),
                now,
            )

    async def save_scores(self, scores: list[tuple[int, float, list[dict]]], now: datetime) -> None:
        """Many accounts' scores in one statement (the periodic run)."""
        if not scores:
            return
        async with self.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO fraud_scores (account_id, probability, reasons, scored_at)"
                " SELECT a, p, r::jsonb, $4 FROM unnest($1::bigint[], $2::float8[], $3::text[]) AS u (a, p, r)"
                " ORDER BY a ON CONFLICT (account_id) DO UPDATE SET probability = EXCLUDED.probability,"
                " reasons = EXCLUDED.reasons, scored_at = EXCLUDED.scored_at",
                [a for a, _, _ in scores],
                [p for _, p, _ in scores],
                [json.dumps(r) for _, _, r in scores],
                now,
            )

    async def score(self, account_id: int) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await conn.fetchrow("SELECT * FROM fraud_scores WHERE account_id = $1", account_id)

    # ---- fraud holds (cpaas.contracts.fraud) ---------------------------------------------

    async def released_subjects(self, account_id: int, since: datetime) -> set[tuple[str, str]]:
        """Subjects an admin released at or after `since` (not held again within the grace)."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT subject_type, subject FROM fraud_holds"
                " WHERE account_id = $1 AND status = 'RELEASED' AND released_at >= $2",
                account_id,
                since,
            )
        return {(r["subject_type"], r["subject"]) for r in rows}

    async def place_holds(
        self,
        account_id: int,
        decisions: list,  # guard.HoldDecision
        alert_ids: dict[tuple[str, str, str], int],
        probability: float,
        reasons: list[dict],
        now: datetime,
    ) -> list[asyncpg.Record]:
        """Place each hold not already active; returns the holds this call placed."""
        placed = []
        async with self.pool.acquire() as conn, conn.transaction():
            for d in decisions:
                f = d.finding
                row = await conn.fetchrow(
                    "INSERT INTO fraud_holds (account_id, subject_type, subject, alert_type, alert_id, probability,"
                    " reasons, evidence, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)"
                    " ON CONFLICT (account_id, subject_type, subject) WHERE status = 'ACTIVE' DO NOTHING RETURNING *",
                    account_id,
                    d.subject_type,
                    d.subject,
                    f.alert_type,
                    alert_ids.get(f.condition),
                    probability,
                    json.dumps(reasons),
                    json.dumps(f.evidence),
                    now,
                )
                if row is not None:
                    placed.append(row)
        return placed

    async def holds(
        self, account_id: int | None, status: str | None, *, page: int = 1, page_size: int = 50
    ) -> tuple[list[asyncpg.Record], int]:
        """One account's holds (or every account's, for the admin), newest first."""
        where = "($1::bigint IS NULL OR account_id = $1) AND ($2::text IS NULL OR status = $2)"
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM fraud_holds WHERE {where}", account_id, status)
            rows = await conn.fetch(
                f"SELECT * FROM fraud_holds WHERE {where} ORDER BY created_at DESC, hold_id DESC LIMIT $3 OFFSET $4",
                account_id,
                status,
                page_size,
                (page - 1) * page_size,
            )
        return rows, total

    async def release(self, hold_id: int, by: str, note: str | None, now: datetime) -> asyncpg.Record | None:
        """Release an active hold; None when there is no such hold. Releasing a released
        hold answers it unchanged."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "UPDATE fraud_holds SET status = 'RELEASED', released_at = $2, released_by = $3, release_note = $4"
                " WHERE hold_id = $1 AND status = 'ACTIVE' RETURNING *",
                hold_id,
                now,
                by,
                note,
            )
            if row is None:
                row = await conn.fetchrow("SELECT * FROM fraud_holds WHERE hold_id = $1", hold_id)
        return row

    async def high_risk_templates(self, template_ids: list[int]) -> dict[int, int]:
        """Of `template_ids`, those whose compliance check (made by the console when the
        template was submitted) rated HIGH risk: id -> risk score. None without the console's
        schema (a deployment without the console has no template verdicts)."""
        if not template_ids:
            return {}
        try:
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(
                    "SELECT id, (compliance->>'riskScore')::int AS score FROM console.templates"
                    " WHERE id = ANY($1::bigint[]) AND compliance->>'riskLevel' = 'HIGH'",
                    template_ids,
                )
        except (
            asyncpg.UndefinedTableError,
            asyncpg.InvalidSchemaNameError,
            asyncpg.UndefinedColumnError,
            asyncpg.InsufficientPrivilegeError,
        ):
            return {}
        return {r["id"]: r["score"] or 0 for r in rows}
