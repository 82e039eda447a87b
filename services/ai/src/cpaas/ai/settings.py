"""Settings of the AI service (env prefix CPAAS_AI_)."""

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from cpaas.platform.settings import ServiceSettings, linger_field


class AiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_AI_", extra="ignore")

    service_name: str = Field("ai", description="Name in logs, metrics and event sources")
    http_port: int = Field(8095, description="Port of the compliance and AI Assist API and the ops endpoints")
    llm_base_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible API (e.g. http://127.0.0.1:8000/v1); unset: the local engine only",
    )
    llm_model: str | None = Field(None, description="Model name sent to the OpenAI-compatible API")
    llm_api_key: SecretStr | None = Field(
        None, description="API key of the OpenAI-compatible API (a local server may need none)"
    )
    llm_timeout_seconds: float = Field(
        20.0, gt=0, description="Longest wait for the model's answer before AI Assist falls back to the local engine"
    )
    llm_max_tokens: int = Field(400, ge=16, le=4096, description="Most tokens the model may write per request")
    llm_temperature: float = Field(0.3, ge=0, le=2, description="Sampling temperature of the model")
    max_text_chars: int = Field(4096, ge=1, description="Longest text the compliance check accepts (a template body)")
    service_token: str = Field(
        "local-dev-service-token",
        min_length=16,
        description="Shared token that trusted services (gateway, console) send as X-Service-Token on /internal/ routes",
    )
    consumer_group: str = Field("ai", description="Kafka consumer group of the traffic subscriber (anomaly aggregates)")
    batch_max_records: int = Field(
        5000, ge=1, description="Most traffic events taken in one poll (counted in pipelined chunks of 2,000)"
    )
    batch_timeout_ms: int = Field(20, ge=1, description="How long a poll waits for traffic events before counting them")
    batch_linger_ms: int = linger_field(100, "traffic events")
    detect_interval_seconds: float = Field(60.0, gt=0, description="How often the anomaly and spam detectors run")
    minute_retention_hours: int = Field(
        48, ge=2, description="Hours of per-minute aggregates (and counted event keys) kept"
    )
    hour_retention_days: int = Field(35, ge=8, description="Days of hourly per-sender aggregates kept (the baselines)")
    destination_retention_days: int = Field(
        90, ge=1, description="Days a number range the account no longer sends to stays known"
    )
    fraud_hold_threshold: float | None = Field(
        0.9,
        ge=0,
        le=1,
        description="Fraud probability at which the fraud guard holds the account's pumped number ranges and"
        " countries (sends there refused with FRAUD_HOLD); `off` (or empty): the guard is off",
    )
    fraud_release_grace_hours: float = Field(
        24.0, ge=0, description="Hours during which a destination an admin released is not held again"
    )
    max_page_size: int = Field(200, ge=1, description="Largest page of the anomaly and spam alert logs")

    @field_validator("fraud_hold_threshold", mode="before")
    @classmethod
    def _guard_off(cls, value: object) -> object:
        """`off`, `none` or an empty value turn the guard off (an unset variable keeps 0.9)."""
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none"):
            return None
        return value

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)
