"""The console's webhook destination switches mean what the webhooks service's mean."""

from cpaas.console.settings import ConsoleSettings

PRODUCTION = {
    "environment": "production",
    "service_token": "a-production-token",
    "secrets_key": "a-production-key",
    "rbm_partner_token": "a-production-partner-token",
    "whatsapp_api_url": "https://graph.facebook.com",
    "rbm_api_url": "https://rcsbusinessmessaging.googleapis.com",
}


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


def test_production_refuses_the_sandbox_as_the_channel_providers():
    for name in ("whatsapp_api_url", "rbm_api_url"):
        try:
            ConsoleSettings(**{**PRODUCTION, name: "http://127.0.0.1:8092"})
        except ValueError as error:
            assert name in str(error)
        else:
            raise AssertionError(f"{name} on loopback was accepted in production")
