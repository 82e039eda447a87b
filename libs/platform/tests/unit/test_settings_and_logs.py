import json
import logging

import pytest
from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from cpaas.platform.logs import bind_log_context, configure_logging
from cpaas.platform.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_DEMO_", extra="ignore")
    signing_secret: str = Field("local-dev-signing", description="Signs things")


def test_production_refuses_a_local_default_secret() -> None:
    with pytest.raises(ValidationError, match="signing_secret still has its local default"):
        DemoSettings(environment="production")


def test_production_accepts_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPAAS_DEMO_SIGNING_SECRET", "a-real-one")
    assert DemoSettings(environment="production").signing_secret == "a-real-one"


def test_topic_prefix_applies_to_every_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPAAS_KAFKA_TOPIC_PREFIX", "staging.")
    assert DemoSettings().kafka.topic("msg.status") == "staging.msg.status"


def test_logs_are_json_with_message_and_account_ids_and_no_secrets(capsys: pytest.CaptureFixture) -> None:
    configure_logging("demo", "INFO")
    with bind_log_context(message_id="msg_X", account_id=7):
        logging.getLogger("demo").info("sent", extra={"api_key": "sk-live-123", "segments": 2})
    line = capsys.readouterr().out.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "sent"
    assert record["message_id"] == "msg_X" and record["account_id"] == 7
    assert record["service"] == "demo" and record["level"] == "INFO"
    assert record["api_key"] == "[redacted]" and record["segments"] == 2
    assert "sk-live-123" not in line
