"""Settings of the programmable-voice sandbox (env prefix CPAAS_SANDBOX_VOICE_)."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

RetryOn = Literal["ct", "rt", "4xx", "5xx", "all"]


class VoiceSandboxSettings(BaseSettings):
    """The sandbox's imitation of a programmable-voice API (Twilio's REST and callback shapes).

    It is a local test double, never deployed to production, so its credentials are
    fixed local defaults that the voice connector's defaults match.
    """

    model_config = SettingsConfigDict(env_prefix="CPAAS_SANDBOX_VOICE_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Address the voice API binds")
    http_port: int = Field(8094, ge=0, le=65535, description="Port of the voice API (0 picks a free port)")
    account_sid: str = Field(
        "ACsandbox", min_length=2, description="The one account SID the API knows (HTTP Basic user name)"
    )
    auth_token: str = Field(
        "local-dev-voice-token",
        min_length=1,
        description="Auth token: the HTTP Basic password and the HMAC key of X-Twilio-Signature on callbacks",
    )
    call_progress_delay_seconds: float = Field(
        0.3, ge=0, description="Pause before each status callback of a call (initiated, ringing, answered, ...)"
    )
    callback_connect_timeout_seconds: float = Field(
        5.0, gt=0, description="How long connecting for a status callback may take (Twilio's ct default: 5000 ms)"
    )
    callback_timeout_seconds: float = Field(
        15.0, gt=0, description="How long one status callback POST may take (Twilio's rt default: 15000 ms)"
    )
    callback_retry_count: int = Field(
        1, ge=0, le=5, description="Retries of a failed status callback (Twilio's rc: default 1, at most 5)"
    )
    callback_retry_on: list[RetryOn] = Field(
        default_factory=lambda: ["ct"],
        description="Failures a status callback is retried on (Twilio's rp, JSON list): ct (could not connect),"
        " rt (no answer in time), 4xx, 5xx, all. Twilio's default is ct only: an answered 5xx is not retried",
    )
    callback_retry_seconds: float = Field(0.5, ge=0, description="Pause between tries of one status callback")
    calls_kept: int = Field(10_000, ge=1, description="How many calls GET /sandbox/voice/calls remembers")
