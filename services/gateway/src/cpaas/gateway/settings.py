from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.contracts import Channel
from cpaas.platform.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_GATEWAY_", extra="ignore", env_nested_delimiter="__")

    service_name: str = Field("gateway", description="Name in logs, metrics and event sources")
    http_port: int = Field(8081, description="Port of the public REST API")
    enabled_channels: list[Channel] = Field(
        default_factory=lambda: list(Channel),
        description="Channels whose connector is deployed; a submit on another is refused",
    )
    cache_ttl_seconds: float = Field(
        60.0,
        gt=0,
        description="Longest a cached account, template or blacklist lives"
        " (changes are also pushed at once by LISTEN/NOTIFY)",
    )
    unknown_key_ttl_seconds: float = Field(
        5.0, gt=0, description="How long an unknown API key is remembered as unknown"
    )
    idempotency_ttl_hours: int = Field(24, ge=1, description="How long an Idempotency-Key is remembered")
    trust_forwarded_for: bool = Field(False, description="Take the client IP from X-Forwarded-For (behind a proxy)")
    submit_rate_per_second: int = Field(
        1000, ge=1, description="Submits a second per API key, per gateway process (an account may override it)"
    )
    credit_check: bool = Field(True, description="Refuse submits (402) from accounts whose balance is not above zero")
    balance_ttl_seconds: float = Field(
        2.0, gt=0, description="Longest a cached balance is used (billing also pushes changes by NOTIFY)"
    )
    service_token: str = Field(
        "local-dev-service-token",
        min_length=16,
        description="Shared token that trusted services (the console's Quick Message) send as X-Service-Token",
    )
    max_page_size: int = Field(200, ge=1, description="Largest page of the reports API")
