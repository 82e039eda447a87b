"""Settings of the WhatsApp Cloud API imitation (env prefix CPAAS_SANDBOX_WA_)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The demo WABA that `cpaas.console.seed` creates (its id and number, without '+').
DEMO_WABA_ID = "102290129340398"
DEMO_DISPLAY_PHONE_NUMBER = "919000000001"


class WhatsAppSandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_SANDBOX_WA_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Address the WhatsApp Cloud API imitation binds")
    http_port: int = Field(8092, ge=0, le=65535, description="Port of the WhatsApp Cloud API imitation (0: a free one)")
    app_secret: str = Field(
        "local-dev-wa-app-secret", description="Meta app secret: signs every webhook (X-Hub-Signature-256)"
    )
    access_tokens: list[str] = Field(
        default_factory=lambda: ["local-dev-wa-token"],
        description="Bearer tokens the Graph API accepts (JSON list); any other is answered 401 (code 190)",
    )
    webhook_url: str = Field(
        "http://127.0.0.1:8085/webhooks/whatsapp", description="Where message statuses and template reviews are POSTed"
    )
    waba_id: str = Field(DEMO_WABA_ID, description="WABA id in the `entry[].id` of message status webhooks")
    display_phone_number: str = Field(
        DEMO_DISPLAY_PHONE_NUMBER, description="metadata.display_phone_number of message status webhooks"
    )
    status_delay_seconds: float = Field(
        0.5, ge=0, description="Time from an accepted send to its first status webhook, and between its statuses"
    )
    template_review_delay_seconds: float = Field(
        1.0, ge=0, description="Time from a template registration to its APPROVED/REJECTED webhook"
    )
    fetch_media: bool = Field(
        True,
        description="Fetch a template's media header example at review: one that cannot be fetched, or is not"
        " the header's kind, rejects the template",
    )
    webhook_retry_base_seconds: float = Field(
        1.0,
        gt=0,
        description="Pause before the first redelivery of a webhook not answered 2xx; it doubles each retry"
        " (with jitter: each pause is 50-100% of its ceiling)",
    )
    webhook_retry_max_seconds: float = Field(
        900.0,
        gt=0,
        description="Longest pause between redeliveries (Meta publishes only 'decreasing frequency'; 15 minutes)",
    )
    webhook_retry_horizon_seconds: float = Field(
        7 * 86400.0,
        gt=0,
        description="How long after its first try a webhook is still redelivered: Meta retries for up to 7 days",
    )
    webhook_waiting_max: int = Field(
        100_000,
        ge=1,
        description="Most webhooks waiting for a redelivery at once (memory bound); one failing past it is"
        ' dropped and counted as cpaas_sandbox_wa_webhooks_total{result="dropped_over_cap"}',
    )
    webhook_timeout_seconds: float = Field(5.0, gt=0, description="How long one webhook POST may take")
    received_log_size: int = Field(
        10_000, ge=1, description="How many received sends are kept for GET /sandbox/whatsapp/messages"
    )
