"""The console's webhook destination switches mean what the webhooks service's mean."""

from cpaas.console.settings import ConsoleSettings

PRODUCTION = {"environment": "production", "service_token": "a-production-token", "secrets_key": "a-production-key"}


def test_loopback_webhook_urls_are_allowed_by_default_in_the_local_environment_only():
    assert ConsoleSettings().allow_loopback is True
    production = ConsoleSettings(**PRODUCTION)
    assert production.allow_loopback is False and production.allow_private is False
    assert ConsoleSettings(**PRODUCTION, allow_loopback=True).allow_loopback is True


def test_the_switches_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CPAAS_CONSOLE_ALLOW_LOOPBACK", "false")
    monkeypatch.setenv("CPAAS_CONSOLE_ALLOW_PRIVATE", "true")
    settings = ConsoleSettings()
    assert settings.allow_loopback is False and settings.allow_private is True
