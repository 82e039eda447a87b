"""The SQL `status_advances` that the message log's upserts use is the Python rule, for every
pair of statuses and error codes (an expiry among them), on the real PostgreSQL."""

import itertools

from cpaas.contracts import MessageStatus
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import PostgresSettings
from cpaas.reporting.app import MIGRATIONS, SCHEMA
from cpaas.reporting.domain import STATUS_RANK, advances

ERRORS = (None, "CARRIER_UNDELIVERABLE", "RECEIPT_EXPIRED")


async def test_sql_status_rule_equals_the_python_rule(pg_settings: PostgresSettings) -> None:
    pool = await create_pool(pg_settings, schema=SCHEMA, application_name="test")
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        cases = [
            (cur, cur_error, new, new_error)
            for cur, new in itertools.product(MessageStatus, repeat=2)
            for cur_error, new_error in itertools.product(ERRORS, repeat=2)
        ]
        rows = await pool.fetch(
            "SELECT status_advances(c, cr, ce, n, nr, ne) AS ok FROM unnest("
            "$1::text[], $2::smallint[], $3::text[], $4::text[], $5::smallint[], $6::text[])"
            " WITH ORDINALITY AS t(c, cr, ce, n, nr, ne, i) ORDER BY i",
            [c.value for c, _, _, _ in cases],
            [STATUS_RANK[c] for c, _, _, _ in cases],
            [ce for _, ce, _, _ in cases],
            [n.value for _, _, n, _ in cases],
            [STATUS_RANK[n] for _, _, n, _ in cases],
            [ne for _, _, _, ne in cases],
        )
        for (cur, cur_error, new, new_error), row in zip(cases, rows, strict=True):
            assert row["ok"] == advances(cur, new, cur_error, new_error), (cur, cur_error, new, new_error)
    finally:
        await pool.close()
