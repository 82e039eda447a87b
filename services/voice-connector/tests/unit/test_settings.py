"""The settings' refusals (the template cache is cpaas.control_plane's, tested there)."""

import pytest
from pydantic import ValidationError

from cpaas.voice_connector.settings import VoiceConnectorSettings


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
