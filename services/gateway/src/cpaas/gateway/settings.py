from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from cpaas.contracts import Channel
from cpaas.platform.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_GATEWAY_", extra="ignore", env_nested_delimiter="__")

    service_name: str = Field("gateway", description="Name in logs, metrics and event sources")
    http_port: int = Field(8081, description="Port of the public REST API")
    internal_port: int | None = Field(
        9081,
        description="Port of the internal listener (/metrics, the console's /internal/ submit); both answer 404 on"
        " http_port. Expose only http_port publicly",
    )
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
    idempotency_lease_seconds: float = Field(
        15.0,
        gt=0,
        description="How long a submit owns its Idempotency-Key while queueing its message; a retry within it"
        " gets 409 IDEMPOTENCY_IN_PROGRESS, a retry after it (the owner died) queues the message itself."
        " Must exceed publish_timeout_seconds",
    )
    publish_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="Longest a submit waits for Kafka to acknowledge its event before answering 503",
    )
    trusted_proxies: int = Field(
        0,
        ge=0,
        le=10,
        description="Proxies in front of the gateway that append to X-Forwarded-For. 0: the header is ignored"
        " and the client is the TCP peer; N: the client is the Nth address from the right (the one the"
        " outermost of the N proxies saw); a header with fewer than N addresses is ignored",
    )
    trust_forwarded_for: bool | None = Field(
        None,
        description="Deprecated: true means trusted_proxies=1 (the rightmost X-Forwarded-For address)",
        deprecated="use trusted_proxies",
    )
    invalid_key_limit_per_minute: int = Field(
        20,
        ge=1,
        description="Requests with a missing or unknown API key one client address may make a minute"
        " (per gateway process) before requests with keys the gateway has not seen valid get 429",
    )
    submit_rate_per_second: int = Field(
        1000, ge=1, description="Submits a second per API key, across all gateway replicas (an account may override it)"
    )
    credit_check: bool = Field(True, description="Refuse submits (402) from accounts whose balance is not above zero")
    balance_ttl_seconds: float = Field(
        2.0, gt=0, description="Longest a cached balance is used (billing also pushes changes by NOTIFY)"
    )
    service_token: str = Field(
        "local-dev-service-token",
        min_length=16,
        description="Shared token that trusted services (the console's Quick Message) send as X-Service-Token, and"
        " that the gateway sends to the services behind its forwarded routes",
    )
    max_page_size: int = Field(200, ge=1, description="Largest page of the reports API")
    campaigns_url: str = Field(
        "http://127.0.0.1:9096",
        description="Base URL of the campaigns service's internal listener (the public /api/v1/campaigns routes)",
    )
    console_internal_url: str = Field(
        "http://127.0.0.1:9088",
        description="Base URL of the console's internal listener (the public templates, sender IDs and blacklist)",
    )
    billing_url: str = Field(
        "http://127.0.0.1:8082", description="Base URL of billing's internal API (the public balance and transactions)"
    )
    ai_url: str = Field(
        "http://127.0.0.1:8095", description="Base URL of the AI service (the public compliance check and AI Assist)"
    )
    downstream_timeout_seconds: float = Field(
        10.0, gt=0, description="Longest wait for one of those services' answer before 503 SERVICE_UNAVAILABLE"
    )
    upload_timeout_seconds: float = Field(
        300.0,
        gt=0,
        description="Longest a campaign's file upload may take to stream through to the campaigns service and be"
        " answered",
    )

    @model_validator(mode="after")
    def _lease_outlives_publish(self) -> "GatewaySettings":
        if self.idempotency_lease_seconds <= self.publish_timeout_seconds:
            raise ValueError("idempotency_lease_seconds must exceed publish_timeout_seconds")
        return self

    @property
    def forwarded_for_hops(self) -> int:
        """trusted_proxies, or 1 from the deprecated trust_forwarded_for=true."""
        if self.trusted_proxies == 0 and self.__dict__.get("trust_forwarded_for"):
            return 1
        return self.trusted_proxies
