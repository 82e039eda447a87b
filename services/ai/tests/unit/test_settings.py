"""The fraud guard's switch: a threshold from the environment, or off."""

import pytest
from pydantic import ValidationError

from cpaas.ai.settings import AiSettings


@pytest.mark.parametrize("value", ["off", "OFF", "none", "", "  "])
def test_the_fraud_guard_is_turned_off_by_off_none_or_an_empty_value(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CPAAS_AI_FRAUD_HOLD_THRESHOLD", value)
    assert AiSettings().fraud_hold_threshold is None


def test_unset_keeps_the_default_and_a_number_is_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPAAS_AI_FRAUD_HOLD_THRESHOLD", raising=False)
    assert AiSettings().fraud_hold_threshold == 0.9
    monkeypatch.setenv("CPAAS_AI_FRAUD_HOLD_THRESHOLD", "0.75")
    assert AiSettings().fraud_hold_threshold == 0.75


@pytest.mark.parametrize("value", ["1.5", "-0.1", "sometimes"])
def test_a_threshold_outside_0_to_1_or_not_a_number_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CPAAS_AI_FRAUD_HOLD_THRESHOLD", value)
    with pytest.raises(ValidationError):
        AiSettings()
