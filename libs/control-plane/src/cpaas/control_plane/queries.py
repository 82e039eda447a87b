"""The SQL that reads the console's tables: one query per kind of row, each for many keys
at once (`= ANY($1)`), each mapping its rows onto the records. The console's migrations
own these columns; the library's tests run every query on a database they built, so a
renamed column fails a test, not a send.
"""

import json
from collections.abc import Callable

import asyncpg

from cpaas.contracts.fraud import FraudHold
from cpaas.contracts.templating import placeholder_count
from cpaas.control_plane.records import (
    Account,
    RcsBot,
    SenderId,
    SenderIds,
    Template,
    WabaNumber,
    parse_allowlist,
)

OpenSecret = Callable[[str], str]

_ACCOUNT_COLUMNS = (
    "a.id, a.name, a.status, a.ip_allowlist, a.submit_rate_per_second, a.webhook_url, a.webhook_secret,"
    " a.webhook_secret_previous, a.webhook_secret_previous_until, a.time_zone"
)
_ACCOUNTS = f"SELECT {_ACCOUNT_COLUMNS} FROM console.accounts a WHERE a.id = ANY($1::bigint[])"
_ACCOUNTS_BY_KEY = (
    f"SELECT k.key_hash, {_ACCOUNT_COLUMNS} FROM console.api_keys k JOIN console.accounts a ON a.id = k.account_id"
    " WHERE k.key_hash = ANY($1::bytea[]) AND k.revoked_at IS NULL"
)
_TEMPLATES = """
SELECT t.id, t.account_id, t.name, t.channel, t.status, t.category, t.template_type, t.body, t.language,
       t.content, t.dlt_template_id, t.waba_number_id, t.rcs_bot_id, t.provider_template_id, t.provider_status,
       CASE t.channel WHEN 'WHATSAPP' THEN w.status WHEN 'RCS' THEN b.status END AS identity_status,
       w.phone_number AS waba_phone_number
FROM console.templates t
LEFT JOIN console.waba_numbers w ON w.id = t.waba_number_id AND w.account_id = t.account_id
LEFT JOIN console.rcs_bots b ON b.id = t.rcs_bot_id AND b.account_id = t.account_id
WHERE t.id = ANY($1::bigint[])
"""
_SENDER_IDS = (
    "SELECT id, account_id, sender_id, pe_id, status FROM console.sender_ids"
    " WHERE account_id = ANY($1::bigint[]) ORDER BY id"
)
_BLACKLIST = "SELECT account_id, recipient FROM console.blacklist WHERE account_id = ANY($1::bigint[])"
_WABA_NUMBERS = (
    "SELECT id, account_id, phone_number, display_name, waba_id, phone_number_id, api_key, status"
    " FROM console.waba_numbers WHERE account_id = ANY($1::bigint[]) ORDER BY id"
)
_RCS_BOTS = (
    "SELECT id, account_id, display_name, bot_id, handle, api_key, status"
    " FROM console.rcs_bots WHERE account_id = ANY($1::bigint[]) ORDER BY id"
)


def _opened(value: str | None, open_secret: OpenSecret) -> str | None:
    return None if value is None else open_secret(value)


def _account(row: asyncpg.Record, open_secret: OpenSecret) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        status=row["status"],
        ip_networks=parse_allowlist(list(row["ip_allowlist"])),
        submit_rate_per_second=row["submit_rate_per_second"],
        webhook_url=row["webhook_url"],
        webhook_secret=_opened(row["webhook_secret"], open_secret),
        webhook_secret_previous=_opened(row["webhook_secret_previous"], open_secret),
        webhook_secret_previous_until=row["webhook_secret_previous_until"],
        time_zone=row["time_zone"],
    )


def _template(row: asyncpg.Record) -> Template:
    values = dict(row)
    content = values["content"]
    values["content"] = json.loads(content) if isinstance(content, str) else dict(content or {})
    return Template(**values, variable_count=placeholder_count(row["body"]))


async def accounts(pool: asyncpg.Pool, ids: list[int], open_secret: OpenSecret) -> dict[int, Account]:
    return {row["id"]: _account(row, open_secret) for row in await pool.fetch(_ACCOUNTS, ids)}


async def accounts_by_key(pool: asyncpg.Pool, key_hashes: list[bytes], open_secret: OpenSecret) -> dict[bytes, Account]:
    rows = await pool.fetch(_ACCOUNTS_BY_KEY, key_hashes)
    return {bytes(row["key_hash"]): _account(row, open_secret) for row in rows}


async def templates(pool: asyncpg.Pool, ids: list[int], _open: OpenSecret) -> dict[int, Template]:
    return {row["id"]: _template(row) for row in await pool.fetch(_TEMPLATES, ids)}


async def sender_ids(pool: asyncpg.Pool, account_ids: list[int], _open: OpenSecret) -> dict[int, SenderIds]:
    grouped: dict[int, list[SenderId]] = {a: [] for a in account_ids}
    for row in await pool.fetch(_SENDER_IDS, account_ids):
        grouped[row["account_id"]].append(SenderId(**dict(row)))
    return {a: SenderIds.of(a, found) for a, found in grouped.items()}


async def blacklists(pool: asyncpg.Pool, account_ids: list[int], _open: OpenSecret) -> dict[int, frozenset[str]]:
    grouped: dict[int, set[str]] = {a: set() for a in account_ids}
    for row in await pool.fetch(_BLACKLIST, account_ids):
        grouped[row["account_id"]].add(row["recipient"])
    return {a: frozenset(found) for a, found in grouped.items()}


async def waba_numbers(
    pool: asyncpg.Pool, account_ids: list[int], open_secret: OpenSecret
) -> dict[int, tuple[WabaNumber, ...]]:
    grouped: dict[int, list[WabaNumber]] = {a: [] for a in account_ids}
    for row in await pool.fetch(_WABA_NUMBERS, account_ids):
        grouped[row["account_id"]].append(WabaNumber(**{**dict(row), "api_key": open_secret(row["api_key"])}))
    return {a: tuple(found) for a, found in grouped.items()}


async def rcs_bots(
    pool: asyncpg.Pool, account_ids: list[int], open_secret: OpenSecret
) -> dict[int, tuple[RcsBot, ...]]:
    grouped: dict[int, list[RcsBot]] = {a: [] for a in account_ids}
    for row in await pool.fetch(_RCS_BOTS, account_ids):
        grouped[row["account_id"]].append(RcsBot(**{**dict(row), "api_key": open_secret(row["api_key"])}))
    return {a: tuple(found) for a, found in grouped.items()}


_FRAUD_HOLDS = (
    "SELECT hold_id, account_id, subject_type, subject, alert_type, probability, created_at FROM ai.fraud_holds"
    " WHERE account_id = ANY($1::bigint[]) AND status = 'ACTIVE' ORDER BY hold_id"
)


async def fraud_holds(
    pool: asyncpg.Pool, account_ids: list[int], _open: OpenSecret
) -> dict[int, tuple[FraudHold, ...]]:
    """The accounts' active fraud holds (cpaas.contracts.fraud); none where the ai service's
    schema is not there (a deployment without it has no fraud guard)."""
    grouped: dict[int, list[FraudHold]] = {a: [] for a in account_ids}
    try:
        rows = await pool.fetch(_FRAUD_HOLDS, account_ids)
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        rows = []
    for row in rows:
        grouped[row["account_id"]].append(FraudHold(**dict(row)))
    return {a: tuple(found) for a, found in grouped.items()}
