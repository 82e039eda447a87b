"""The template / sender ID cache, the token bucket, and the settings' guards."""

import asyncio
import time
from typing import Any

import pytest
from pydantic import ValidationError

from cpaas.sms_connector.catalog import ConsoleCatalog
from cpaas.sms_connector.settings import SmsConnectorSettings
from cpaas.sms_connector.smpp.rate import TokenBucket


class FakePool:
    def __init__(self) -> None:
        self.queries = 0

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        self.queries += 1
        if "console.templates" in sql:
            return [
                {"id": i, "account_id": 1, "channel": "SMS", "status": "APPROVED", "body": "b", "dlt_template_id": None}
                for i in args[0]
            ]
        return [
            {"account_id": a, "sender_id": s, "pe_id": "11", "status": "APPROVED"} for a, s in zip(*args, strict=True)
        ]


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_cached_entries_are_read_once_until_their_ttl() -> None:
    pool, clock = FakePool(), Clock()
    catalog = ConsoleCatalog(pool, ttl_seconds=30, clock=clock)  # type: ignore[arg-type]
    assert (await catalog.templates([5, 6])).keys() == {5, 6}
    await catalog.templates([5, 6])
    await catalog.sender_ids([(1, "ACME")])
    await catalog.sender_ids([(1, "ACME")])
    assert pool.queries == 2
    clock.now = 31
    await catalog.templates([5])
    assert pool.queries == 3


async def test_a_console_notification_evicts_that_accounts_entries() -> None:
    pool = FakePool()
    catalog = ConsoleCatalog(pool, ttl_seconds=30)  # type: ignore[arg-type]
    await catalog.templates([5])
    await catalog.sender_ids([(1, "ACME")])
    catalog.on_notify("templates:2")  # another account: nothing to evict
    await catalog.templates([5])
    assert pool.queries == 2
    catalog.on_notify("sender_ids:1")
    await catalog.templates([5])
    await catalog.sender_ids([(1, "ACME")])
    assert pool.queries == 4
    catalog.clear()
    await catalog.templates([5])
    assert pool.queries == 5


async def test_the_token_bucket_holds_the_rate() -> None:
    bucket = TokenBucket(200)  # a burst of 20, then 200 a second
    started = time.monotonic()
    await asyncio.gather(*(bucket.take() for _ in range(60)))
    assert 0.15 <= time.monotonic() - started < 0.5


def test_production_refuses_the_local_smpp_password() -> None:
    with pytest.raises(ValidationError):
        SmsConnectorSettings(environment="production")
    assert SmsConnectorSettings(environment="production", password="s3cret").password == "s3cret"


def test_an_smpp_password_longer_than_8_characters_is_refused() -> None:
    with pytest.raises(ValidationError):
        SmsConnectorSettings(password="local-dev-smpp")


def test_a_receipt_deadline_past_the_retention_is_refused() -> None:
    with pytest.raises(ValidationError):
        SmsConnectorSettings(retention_days=2, validity_period_seconds=2 * 86400)
    settings = SmsConnectorSettings(validity_period_seconds=3600, receipt_grace_seconds=60)
    assert settings.receipt_deadline_seconds == 3660
