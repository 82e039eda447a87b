"""The token bucket, and the settings' guards."""

import asyncio
import time

import pytest
from pydantic import ValidationError

from cpaas.sms_connector.providers.smpp.rate import TokenBucket
from cpaas.sms_connector.settings import SmsConnectorSettings


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
    with pytest.raises(ValidationError, match=r"validity_period_seconds \+ receipt_grace_seconds"):
        SmsConnectorSettings(retention_days=2, validity_period_seconds=2 * 86400)
    settings = SmsConnectorSettings(validity_period_seconds=3600, receipt_grace_seconds=60)
    assert settings.receipt_deadline_seconds == 3660
