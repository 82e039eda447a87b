"""Settings of the RCS connector (env prefix CPAAS_RCS_CONNECTOR_)."""

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.connector_kit.settings import ConnectorSettings
from cpaas.platform.secretbox import LOCAL_KEY


class RcsConnectorSettings(ConnectorSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_RCS_CONNECTOR_", extra="ignore")

    receipt_deadline_seconds: float = Field(
        86400.0,
        gt=0,
        description="How long an accepted message waits for its DELIVERED before it ends UNDELIVERED /"
        " RECEIPT_EXPIRED (RBM has no 'undelivered' event); a later DELIVERED still supersedes it."
        " Less than retention_days",
    )

    service_name: str = Field("rcs-connector", description="Name in logs, metrics and event sources")
    http_port: int = Field(8086, description="Port of the RBM webhook, /healthz, /readyz and /metrics")
    provider: Literal["rbm"] = Field("rbm", description="The RCS provider behind the connector (registered ones)")
    base_url: str = Field("http://127.0.0.1:8093", description="Base URL of the provider's RBM API")
    webhook_client_token: str = Field(
        "local-dev-rbm-webhook-token",
        description="clientToken of our RBM webhook: the key of the X-Goog-Signature on every event",
    )
    partner_token: str = Field(
        "local-dev-rbm-partner-token", description="Partner token used to register new bots with the provider"
    )
    http_timeout_seconds: float = Field(10.0, gt=0, description="How long one call to the provider may take")
    http_max_connections: int = Field(100, ge=1, description="Most open connections to the provider")
    max_concurrent_sends: int = Field(64, ge=1, description="Most messages of one batch in flight at the provider")
    max_send_tries: int = Field(
        5, ge=1, description="Transient failures (timeouts, 5xx) after which an attempt ends FAILED"
    )
    webhook_retry_after_seconds: int = Field(
        1, ge=0, description="Retry-After of a 503 answered for an event that came before its send was announced"
    )
    webhook_early_wait_seconds: float = Field(
        2.0,
        ge=0,
        le=10,
        description="How long an event for a send still being announced waits for it in-line before the 503",
    )
    secrets_key: str = Field(
        LOCAL_KEY,
        description="Key that seals provider credentials at rest (WABA tokens, RBM bot secrets): the same value"
        " for the console and the WhatsApp and RCS connectors",
    )
