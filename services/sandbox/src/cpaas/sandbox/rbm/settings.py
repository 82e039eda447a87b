"""Settings of the RBM imitation (env prefix CPAAS_SANDBOX_RBM_)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_AGENT_ID = "cpaas_demo_agent"
DEMO_BOT_SECRET = "local-dev-rbm-secret"  # noqa: S105 - the local default the console seeds
LOCAL_PARTNER_TOKEN = "local-dev-rbm-partner-token"  # noqa: S105 - the local default
LOCAL_WEBHOOK_CLIENT_TOKEN = "local-dev-rbm-webhook-token"  # noqa: S105 - the local default


class RbmSandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_SANDBOX_RBM_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Address the RBM API listens on")
    http_port: int = Field(8093, ge=0, le=65535, description="Port of the RBM API (0 picks a free port)")
    bot_secrets: dict[str, str] = Field(
        default_factory=lambda: {DEMO_AGENT_ID: DEMO_BOT_SECRET},
        description="Agent (bot) id -> the bot secret its calls must carry as 'Authorization: Bearer', JSON",
    )
    partner_token: str = Field(
        LOCAL_PARTNER_TOKEN, description="Bearer token of the partner account that registers new agents (bots)"
    )
    webhook_url: str = Field(
        "http://127.0.0.1:8086/webhooks/rbm", description="Partner webhook the RBM events are POSTed to"
    )
    webhook_client_token: str = Field(
        LOCAL_WEBHOOK_CLIENT_TOKEN, description="clientToken of the webhook: the key of X-Goog-Signature"
    )
    event_delay_seconds: float = Field(
        0.5, ge=0, description="Time from an accepted message to its DELIVERED event (and from DELIVERED to READ)"
    )
    review_delay_seconds: float = Field(1.0, ge=0, description="Time a template or agent review takes")
    fetch_media: bool = Field(
        True,
        description="Fetch a template's media (fileUrl) at review, as RBM does: one that cannot be fetched, or is"
        " not an image or video, rejects the template",
    )
    media_timeout_seconds: float = Field(5.0, gt=0, description="How long fetching one media file may take")
    webhook_retry_base_seconds: float = Field(
        1.0,
        gt=0,
        description="Pause before the first redelivery of an event not answered 2xx; it doubles each retry"
        " (with jitter: each pause is 50-100% of its ceiling)",
    )
    webhook_retry_max_seconds: float = Field(
        600.0, gt=0, description="Longest pause between redeliveries: RBM's wait grows up to 600 s"
    )
    webhook_retry_horizon_seconds: float = Field(
        7 * 86400.0,
        gt=0,
        description="How long after its first try an event is still redelivered: RBM retries for 7 days",
    )
    webhook_waiting_max: int = Field(
        100_000,
        ge=1,
        description="Most events waiting for a redelivery at once (memory bound); one failing past it is"
        ' dropped and counted as cpaas_sandbox_rbm_events_total{result="dropped_over_cap"}',
    )
    webhook_timeout_seconds: float = Field(5.0, gt=0, description="How long one webhook POST may take")
    received_log_size: int = Field(
        10_000, ge=1, description="How many received agent messages GET /sandbox/rbm/messages keeps"
    )
