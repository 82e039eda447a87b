"""The template cache (TTL, NOTIFY eviction, reconnect) and the settings' refusals."""

import json

import pytest
from pydantic import ValidationError

from cpaas.voice_connector.catalog import TemplateCatalog
from cpaas.voice_connector.settings import VoiceConnectorSettings


class FakePool:
    def __init__(self) -> None:
        self.queries = 0
        self.body = "Code {{1}}"

    async def fetch(self, _sql: str, ids: list[int]) -> list[dict]:
        self.queries += 1
        return [
            {"id": i, "account_id": 2, "channel": "VOICE", "status": "APPROVED", "body": self.body,
             "content": json.dumps({"repeat": 2})}
            for i in ids
        ]  # fmt: skip


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_templates_are_cached_until_their_ttl() -> None:
    pool, clock = FakePool(), Clock()
    catalog = TemplateCatalog(pool, 30, clock)  # type: ignore[arg-type]
    first = await catalog.templates([6])
    assert first[6].content == {"repeat": 2}
    await catalog.templates([6])
    assert pool.queries == 1
    clock.now = 31
    await catalog.templates([6])
    assert pool.queries == 2


async def test_a_console_notify_evicts_that_accounts_templates() -> None:
    pool = FakePool()
    catalog = TemplateCatalog(pool, 30)  # type: ignore[arg-type]
    await catalog.templates([6])
    catalog.on_notify("templates:3")  # another account
    catalog.on_notify("sender_ids:2")  # a table voice does not read
    await catalog.templates([6])
    assert pool.queries == 1
    pool.body = "New {{1}}"
    catalog.on_notify("templates:2")
    assert (await catalog.templates([6]))[6].body == "New {{1}}"
    catalog.clear()
    await catalog.templates([6])
    assert pool.queries == 3


def test_production_refuses_the_local_auth_token() -> None:
    with pytest.raises(ValidationError, match="auth_token"):
        VoiceConnectorSettings(environment="production", public_base_url="https://voice.example.com")


def test_production_refuses_a_loopback_callback_url() -> None:
    with pytest.raises(ValidationError, match="loopback"):
        VoiceConnectorSettings(environment="production", auth_token="real-token")


def test_settings_read_their_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPAAS_VOICE_CONNECTOR_CALLER_ID", "+14155550100")
    monkeypatch.setenv("CPAAS_VOICE_CONNECTOR_PUBLIC_BASE_URL", "https://cpaas.example.com/voice")
    settings = VoiceConnectorSettings()
    assert (settings.caller_id, settings.public_base_url, settings.http_port) == (
        "+14155550100",
        "https://cpaas.example.com/voice",
        8087,
    )


def test_receipt_deadline_outlasts_the_longest_call_and_stays_within_the_retention() -> None:
    settings = VoiceConnectorSettings()
    assert settings.receipt_deadline_seconds > 4 * 3600 + 600  # a 4-hour call after 10 minutes of ringing
    with pytest.raises(ValueError, match="shorter than retention_days"):
        VoiceConnectorSettings(retention_days=0.1)
