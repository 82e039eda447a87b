"""Settings of the webhooks service (env prefix CPAAS_WEBHOOKS_)."""

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from cpaas.platform.secretbox import LOCAL_KEY
from cpaas.platform.settings import ServiceSettings, linger_field

# The dispatcher claims up to this many receipts per POST slot of an account, so a slot
# never idles waiting for a claim; a claimed receipt may thus wait this many requests.
CLAIMS_PER_SLOT = 4


class WebhooksSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_WEBHOOKS_", extra="ignore")

    service_name: str = Field("webhooks", description="Name in logs, metrics and event sources")
    http_port: int = Field(8089, description="Port of the internal API and the ops endpoints")
    service_token: str = Field(
        "local-dev-service-token", description="Shared secret other services send in X-Service-Token"
    )
    consumer_group: str = Field("webhooks", description="Kafka consumer group of the msg.status subscriber")
    batch_max_records: int = Field(500, ge=1, description="Most status events turned into deliveries per batch")
    batch_timeout_ms: int = Field(10, ge=1, description="How long a poll waits for records before handling them")
    batch_linger_ms: int = linger_field(50, "status events")

    request_timeout_seconds: float = Field(
        5.0, gt=0, description="Longest one POST to a customer may take, connect to last byte"
    )
    retry_base_seconds: float = Field(2.0, gt=0, description="Backoff cap before the first retry")
    retry_factor: float = Field(2.0, ge=1, description="Backoff cap multiplier per attempt")
    retry_min_seconds: float = Field(
        1.0, ge=0, description="Shortest wait before a retry (the jittered delay is drawn above it)"
    )
    retry_max_interval_seconds: float = Field(3600.0, gt=0, description="Longest wait between two attempts")
    give_up_after_seconds: float = Field(
        86400.0, gt=0, description="A receipt not accepted this long after it was queued is marked FAILED"
    )

    max_in_flight: int = Field(
        4096,
        ge=1,
        description="Most receipts claimed by this process (POSTing or waiting for an account's slot); large, so"
        " that even many slow receivers, each holding 4 x per_account_concurrency, leave room for the others",
    )
    per_account_concurrency: int = Field(
        32, ge=1, description="Most POSTs in flight to one account's URL in this process"
    )
    claim_lease_seconds: float = Field(
        60.0,
        gt=0,
        description="Backstop: a claimed delivery whose result was never written is retried after this long even"
        " if its dispatcher still beats (a crashed dispatcher's are retried after instance_timeout_seconds)",
    )
    heartbeat_seconds: float = Field(
        1.0, gt=0, description="How often a dispatcher renews its heartbeat and looks for stopped ones"
    )
    instance_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="A dispatcher whose heartbeat is older than this is taken as stopped: the receipts it had"
        " claimed are due again at once (the duplicate window after a crash)",
    )
    poll_interval_seconds: float = Field(
        1.0, gt=0, description="How often the dispatcher looks for retries that fell due"
    )
    client_idle_seconds: float = Field(
        300.0, gt=0, description="An account's keep-alive connections unused this long are closed"
    )

    http_transport: Literal["keepalive", "httpcore"] = Field(
        "keepalive",
        description="keepalive: the service's lean HTTP/1.1 keep-alive transport; httpcore: httpx's default"
        " transport (same behaviour, several times the CPU per request)",
    )

    allow_loopback: bool | None = Field(
        None,
        description="Allow receipts to loopback addresses (127.0.0.0/8, ::1); unset: allowed in the local"
        " environment only",
    )
    allow_private: bool = Field(
        False, description="Allow receipts to private, link-local and CGNAT addresses (RFC 1918, fc00::/7, ...)"
    )
    dns_cache_seconds: float = Field(30.0, ge=0, description="How long a resolved and checked URL is reused")
    account_cache_ttl_seconds: float = Field(
        60.0, gt=0, description="Longest a cached webhook URL and secret live (changes are also pushed by NOTIFY)"
    )
    max_page_size: int = Field(200, ge=1, description="Largest page of the deliveries API")
    secrets_key: str = Field(
        LOCAL_KEY,
        description="Key that opens the accounts' webhook signing secrets, which the console stores sealed: the"
        " console's CPAAS_CONSOLE_SECRETS_KEY",
    )

    @model_validator(mode="after")
    def _loopback_default(self) -> "WebhooksSettings":
        """Loopback receivers are the norm on a laptop and a hazard anywhere else (decided after
        validation, so from the environment however it was set)."""
        if self.allow_loopback is None:
            self.allow_loopback = self.environment == "local"
        return self

    @model_validator(mode="after")
    def _lease_outlives_claimed_requests(self) -> "WebhooksSettings":
        if self.claim_lease_seconds <= CLAIMS_PER_SLOT * self.request_timeout_seconds:
            raise ValueError(f"claim_lease_seconds must exceed {CLAIMS_PER_SLOT} x request_timeout_seconds")
        if self.instance_timeout_seconds < 3 * self.heartbeat_seconds:
            raise ValueError("instance_timeout_seconds must be at least 3 x heartbeat_seconds")
        return self
