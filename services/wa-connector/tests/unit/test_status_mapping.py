"""The one table from Cloud API outcomes to our statuses and error codes."""

import pytest

from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.wa_connector.providers.cloud_api.statuses import (
    failed_status_error,
    send_error_code,
    send_error_is_retryable,
    status_for,
    template_status_for,
)


@pytest.mark.parametrize(
    ("provider_status", "ours"),
    [
        ("sent", None),
        ("delivered", MessageStatus.DELIVERED),
        ("read", MessageStatus.READ),
        ("failed", MessageStatus.FAILED),
        ("DELIVERED", MessageStatus.DELIVERED),
        ("deleted", None),
        ("something_new", None),
    ],
)
def test_provider_statuses_map_onto_ours(provider_status: str, ours: MessageStatus | None) -> None:
    assert status_for(provider_status) is ours


@pytest.mark.parametrize(
    ("code", "ours"),
    [
        (131026, ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT),
        (131049, ErrorCode.CARRIER_UNDELIVERABLE),
        (131047, ErrorCode.CARRIER_UNDELIVERABLE),
        (None, ErrorCode.CARRIER_UNDELIVERABLE),
    ],
)
def test_failed_status_errors(code: int | None, ours: ErrorCode) -> None:
    assert failed_status_error(code) is ours


@pytest.mark.parametrize(
    ("http_status", "code", "retryable", "ours"),
    [
        (400, 131030, False, ErrorCode.CARRIER_REJECTED),
        (400, 131026, False, ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT),
        (401, 190, False, ErrorCode.CHANNEL_NOT_CONFIGURED),
        (400, 132001, False, ErrorCode.TEMPLATE_NOT_APPROVED),
        (400, 132000, False, ErrorCode.RENDER_FAILED),
        (400, 130429, True, ErrorCode.CARRIER_UNAVAILABLE),
        (400, 131056, True, ErrorCode.CARRIER_UNAVAILABLE),
        (503, 133004, True, ErrorCode.CARRIER_UNAVAILABLE),
        (500, None, True, ErrorCode.CARRIER_UNAVAILABLE),
        (429, None, True, ErrorCode.CARRIER_UNAVAILABLE),
        (400, 100, False, ErrorCode.CARRIER_REJECTED),
    ],
)
def test_send_errors(http_status: int, code: int | None, retryable: bool, ours: ErrorCode) -> None:
    assert send_error_is_retryable(http_status, code) is retryable
    assert send_error_code(http_status, code) is ours


@pytest.mark.parametrize(
    ("event", "ours"),
    [
        ("APPROVED", "APPROVED"),
        ("REJECTED", "FAILED"),
        ("DISABLED", "FAILED"),
        ("PENDING", "PENDING"),
        ("REINSTATED", "APPROVED"),
        ("PAUSED", None),
        ("FLAGGED", None),
    ],
)
def test_template_events(event: str, ours: str | None) -> None:
    assert template_status_for(event) == ours
