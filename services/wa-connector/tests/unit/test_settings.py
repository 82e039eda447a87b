import pytest

from cpaas.wa_connector.settings import WaConnectorSettings


def test_receipt_deadline_defaults_to_a_day() -> None:
    assert WaConnectorSettings().receipt_deadline_seconds == 86400


def test_a_receipt_deadline_past_the_retention_is_refused() -> None:
    """The row (and with it any late receipt's match) would be deleted before it expired."""
    with pytest.raises(ValueError, match="shorter than retention_days"):
        WaConnectorSettings(retention_days=1, receipt_deadline_seconds=86400)
