"""Settings of the WhatsApp connector (env prefix CPAAS_WA_CONNECTOR_)."""

from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from cpaas.connector_kit.settings import ConnectorSettings
from cpaas.platform.secretbox import LOCAL_KEY

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class WaConnectorSettings(ConnectorSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_WA_CONNECTOR_", extra="ignore")

    receipt_deadline_seconds: float = Field(
        86400.0,
        gt=0,
        description="How long an accepted message waits for its receipt (delivered, read or failed) before it"
        " ends UNDELIVERED / RECEIPT_EXPIRED; a later receipt still supersedes it. Less than retention_days",
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

    secrets_key: str = Field(
        LOCAL_KEY,
        description="Key that seals provider credentials at rest (WABA tokens, RBM bot secrets): the same value"
        " for the console and the WhatsApp and RCS connectors",
    )

    @model_validator(mode="after")
    def _refuse_loopback_provider(self) -> "WaConnectorSettings":
        if self.environment == "production" and urlsplit(self.base_url).hostname in LOOPBACK_HOSTS:
            raise ValueError("base_url points at this machine (the sandbox); set CPAAS_WA_CONNECTOR_BASE_URL")
        return self
