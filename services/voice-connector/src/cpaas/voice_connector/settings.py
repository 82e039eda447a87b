"""Settings of the voice connector (env prefix CPAAS_VOICE_CONNECTOR_)."""

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from cpaas.connector_kit.settings import ConnectorSettings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class VoiceConnectorSettings(ConnectorSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_VOICE_CONNECTOR_", extra="ignore")

    receipt_deadline_seconds: float = Field(
        15300.0,
        gt=0,
        description="How long a created call waits for its final status before the provider is asked"
        " (GET the call) and, if the call is not over, it ends UNDELIVERED / RECEIPT_EXPIRED: the provider's"
        " longest call (4 h) plus ringing (up to 10 min) and a margin. Less than retention_days",
    )

    service_name: str = Field("voice-connector", description="Name in logs, metrics and event sources")
    http_port: int = Field(8087, description="Port of the status-callback webhook, /healthz, /readyz and /metrics")
    provider: Literal["programmable_voice"] = Field(
        "programmable_voice", description="Voice provider (Twilio-compatible programmable-voice REST API)"
    )
    api_base_url: str = Field(
        "http://127.0.0.1:8094", description="Base URL of the provider's REST API (the sandbox's voice API locally)"
    )
    account_sid: str = Field("ACsandbox", min_length=1, description="Provider account SID (HTTP Basic user name)")
    auth_token: str = Field(
        "local-dev-voice-token",
        min_length=1,
        description="Provider auth token: HTTP Basic password and the key that verifies X-Twilio-Signature",
    )
    caller_id: str = Field(
        "+919000000002", pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164 number the calls come from"
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8087",
        description="Base URL at which the provider reaches this service; status callbacks go to"
        " <public_base_url>/webhooks/voice/status and their signatures are checked against it",
    )
    request_timeout_seconds: float = Field(10.0, gt=0, description="How long one create-call request may take")
    max_calls_in_flight: int = Field(50, ge=1, description="Most create-call requests open at once")
    batch_max_records: int = Field(100, ge=1, description="Most submit events handled in one batch")

    @model_validator(mode="after")
    def _reachable_callbacks(self) -> "VoiceConnectorSettings":
        if self.environment == "production" and urlsplit(self.public_base_url).hostname in LOOPBACK_HOSTS:
            raise ValueError("public_base_url is a loopback address; the provider could never call it back")
        return self
