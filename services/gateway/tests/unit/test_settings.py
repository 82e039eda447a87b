"""The gateway's settings refuse what would be unsafe."""

import pytest
from pydantic import ValidationError

from cpaas.gateway.settings import GatewaySettings


def test_production_refuses_the_local_default_service_token() -> None:
    with pytest.raises(ValidationError, match="service_token"):
        GatewaySettings(environment="production")
    settings = GatewaySettings(environment="production", service_token="a-real-secret-of-32-characters!!")
    assert settings.environment == "production"


def test_the_idempotency_lease_must_outlast_a_publish() -> None:
    with pytest.raises(ValidationError, match="idempotency_lease_seconds"):
        GatewaySettings(publish_timeout_seconds=10.0, idempotency_lease_seconds=5.0)


def test_trusted_proxies_default_to_none_and_the_old_flag_means_one() -> None:
    assert GatewaySettings().forwarded_for_hops == 0
    assert GatewaySettings(trust_forwarded_for=True).forwarded_for_hops == 1
    assert GatewaySettings(trusted_proxies=2).forwarded_for_hops == 2
