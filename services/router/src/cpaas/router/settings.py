from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.contracts import Channel
from cpaas.platform.settings import ServiceSettings, linger_field


class RouterSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_ROUTER_", extra="ignore")

    service_name: str = Field("router", description="Name in logs, metrics and event sources")
    http_port: int = Field(8091, description="Port of /healthz, /readyz, /metrics")
    receipt_timeout_seconds: dict[Channel, float] = Field(
        default_factory=lambda: {Channel.RCS: 60.0, Channel.WHATSAPP: 60.0, Channel.SMS: 120.0, Channel.VOICE: 120.0},
        description="How long a level may go without a delivery receipt before the next level is tried (JSON)",
    )
    timer_interval_seconds: float = Field(0.5, gt=0, description="How often due timers are looked for")
    batch_linger_ms: int = linger_field(50, "submit and status events")
    early_status_retention_seconds: float = Field(600.0, gt=0, description="How long a status waits for its chain")
    template_cache_seconds: float = Field(
        300.0,
        gt=0,
        description="Longest a console template (its name, on a fallback's submit) is cached"
        " (changes are also pushed by LISTEN/NOTIFY)",
    )
