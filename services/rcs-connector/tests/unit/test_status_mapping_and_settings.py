"""The one status table, and the settings' refusal of local secrets in production."""

import pytest
from pydantic import ValidationError

from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.rcs_connector.providers.rbm.statuses import EVENT_STATUS, TEMPLATE_STATUS, error_meaning
from cpaas.rcs_connector.settings import RcsConnectorSettings


def test_delivery_events_map_onto_our_statuses() -> None:
    assert EVENT_STATUS == {"DELIVERED": MessageStatus.DELIVERED, "READ": MessageStatus.READ}


def test_a_provider_rejection_of_a_template_is_failed_not_rejected() -> None:
    assert TEMPLATE_STATUS["REJECTED"] == "FAILED"
    assert TEMPLATE_STATUS["APPROVED"] == "APPROVED"


@pytest.mark.parametrize(
    ("http_status", "rbm_status", "error_code", "retryable"),
    [
        (404, "NOT_FOUND", ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT, False),
        (400, "FAILED_PRECONDITION", ErrorCode.CARRIER_REJECTED, False),
        (403, "PERMISSION_DENIED", ErrorCode.CHANNEL_NOT_CONFIGURED, False),
        (429, None, ErrorCode.CARRIER_UNAVAILABLE, True),
        (500, None, ErrorCode.CARRIER_UNAVAILABLE, True),
        (422, None, ErrorCode.CARRIER_REJECTED, False),
    ],
)
def test_error_meanings(http_status: int, rbm_status: str | None, error_code: ErrorCode, retryable: bool) -> None:
    meaning = error_meaning(http_status, rbm_status)
    assert (meaning.error_code, meaning.retryable) == (error_code, retryable)


def test_defaults_serve_the_local_platform() -> None:
    settings = RcsConnectorSettings()
    assert (settings.http_port, settings.base_url, settings.service_name) == (
        8086,
        "http://127.0.0.1:8093",
        "rcs-connector",
    )


def test_production_refuses_the_local_webhook_token() -> None:
    with pytest.raises(ValidationError, match="webhook_client_token"):
        RcsConnectorSettings(environment="production")


def test_a_receipt_deadline_past_the_retention_is_refused() -> None:
    """The row (and with it any late DELIVERED's match) would be deleted before it expired."""
    assert RcsConnectorSettings().receipt_deadline_seconds == 86400
    with pytest.raises(ValueError, match="shorter than retention_days"):
        RcsConnectorSettings(retention_days=0.5, receipt_deadline_seconds=86400)
