"""Read-through cache of the console templates that pricing needs (category, type, and
the country of the template's WABA number), keyed by template id.

The console owns console.templates; billing only reads it. A batch asks for all its
template ids at once and misses are loaded in one query. The console's triggers NOTIFY
'cpaas_console' with '<table>:<account id>' on every change; `on_notify` evicts that
account's templates, `on_reconnect` everything; a TTL bounds staleness besides.
"""

import time
from collections.abc import Iterable

import asyncpg

from cpaas.billing.pricing import TemplateInfo, recipient_region

_WATCHED_TABLES = frozenset({"templates", "waba_numbers"})

_LOAD_SQL = """
SELECT t.id, t.account_id, t.channel, t.category, t.template_type, w.phone_number AS waba_phone
FROM console.templates t
LEFT JOIN console.waba_numbers w ON w.id = t.waba_number_id
WHERE t.id = ANY($1::bigint[])
"""


class TemplateCatalog:
    def __init__(self, pool: asyncpg.Pool, *, ttl_seconds: float) -> None:
        self.pool = pool
        self.ttl_seconds = ttl_seconds
        self._cache: dict[int, tuple[float, int, TemplateInfo]] = {}  # id -> (expires, account id, info)

    async def get_many(self, template_ids: Iterable[int]) -> dict[int, TemplateInfo]:
        """The templates among `template_ids` that exist; one query for the misses."""
        now = time.monotonic()
        found: dict[int, TemplateInfo] = {}
        missing = []
        for template_id in set(template_ids):
            entry = self._cache.get(template_id)
            if entry is not None and entry[0] > now:
                found[template_id] = entry[2]
            else:
                missing.append(template_id)
        if missing:
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(_LOAD_SQL, missing)
            for row in rows:
                info = TemplateInfo(
                    id=row["id"],
                    channel=row["channel"],
                    category=row["category"],
                    template_type=row["template_type"],
                    home_region=recipient_region(row["waba_phone"]) if row["waba_phone"] else None,
                )
                self._cache[row["id"]] = (now + self.ttl_seconds, row["account_id"], info)
                found[row["id"]] = info
        return found

    def on_notify(self, payload: str) -> None:
        table, _, account = payload.partition(":")
        if table not in _WATCHED_TABLES:
            return
        try:
            account_id = int(account)
        except ValueError:
            self._cache.clear()
            return
        for template_id in [k for k, (_, owner, _) in self._cache.items() if owner == account_id]:
            self._cache.pop(template_id, None)

    def on_reconnect(self) -> None:
        self._cache.clear()
