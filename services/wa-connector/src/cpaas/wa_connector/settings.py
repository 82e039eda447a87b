"""Settings of the WhatsApp connector (env prefix CPAAS_WA_CONNECTOR_)."""

from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from cpaas.platform.secretbox import LOCAL_KEY
from cpaas.platform.settings import ServiceSettings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class WaConnectorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_WA_CONNECTOR_", extra="ignore")

    retention_days: float = Field(
        7.0, gt=0, description="Days a send's rows are kept (receipts and provider events for it come before then)"
    )

    receipt_deadline_seconds: float = Field(
        86400.0,
        gt=0,
        description="How long an accepted message waits for its receipt (delivered, read or failed) before it"
        " ends UNDELIVERED / RECEIPT_EXPIRED; a later receipt still supersedes it. Less than retention_days",
    )
    receipt_sweep_seconds: float = Field(
        30.0, gt=0, description="How often messages past their receipt deadline are looked for"
    )

    service_name: str = Field("wa-connector", description="Name in logs, metrics and event sources")
    http_port: int = Field(8085, description="Port of the provider webhooks, /healthz, /readyz and /metrics")
    provider: str = Field("cloud_api", description="WhatsApp provider (the registered providers: cloud_api)")
    base_url: str = Field(
        "http://127.0.0.1:8092",
        description="Graph API base URL (https://graph.facebook.com in production; the sandbox locally)",
    )
    api_version: str = Field("v21.0", pattern=r"^v[0-9]{1,2}\.[0-9]$", description="Graph API version in paths")
    app_secret: str = Field(
        "local-dev-wa-app-secret", description="Meta app secret: webhooks must carry its X-Hub-Signature-256"
    )
    verify_token: str = Field(
        "local-dev-wa-verify", description="Token Meta echoes in the GET /webhooks/whatsapp subscription handshake"
    )
    request_timeout_seconds: float = Field(
        10.0, gt=0, description="How long one Graph API call may take (a timeout is retried)"
    )
    max_concurrent_sends: int = Field(64, ge=1, le=1000, description="Most Graph API sends in flight at once")
    cache_ttl_seconds: float = Field(30.0, ge=0, description="Lifetime of cached templates and WABA numbers")
    batch_max_records: int = Field(500, ge=1, description="Most submit events handled in one batch")
    batch_timeout_ms: int = Field(5, ge=0, description="How long the consumer waits to fill a batch")

    secrets_key: str = Field(
        LOCAL_KEY,
        description="Key that seals provider credentials at rest (WABA tokens, RBM bot secrets): the same value"
        " for the console and the WhatsApp and RCS connectors",
    )

    @model_validator(mode="after")
    def _deadline_within_retention(self) -> "WaConnectorSettings":
        if self.receipt_deadline_seconds >= self.retention_days * 86400:
            raise ValueError("receipt_deadline_seconds must be shorter than retention_days (the rows would be gone)")
        return self

    @model_validator(mode="after")
    def _refuse_loopback_provider(self) -> "WaConnectorSettings":
        if self.environment == "production" and urlsplit(self.base_url).hostname in LOOPBACK_HOSTS:
            raise ValueError("base_url points at this machine (the sandbox); set CPAAS_WA_CONNECTOR_BASE_URL")
        return self
