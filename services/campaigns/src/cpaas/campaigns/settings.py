"""Settings of the campaigns service (env prefix CPAAS_CAMPAIGNS_)."""

from datetime import time
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from cpaas.contracts import Channel
from cpaas.platform.settings import ServiceSettings, linger_field

MIB = 1024 * 1024


class CampaignsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_CAMPAIGNS_", extra="ignore", env_nested_delimiter="__")

    service_name: str = Field("campaigns", description="Name in logs, metrics and event sources")
    http_port: int = Field(8096, description="Port of the campaigns API (X-API-Key) and the ops endpoints")
    internal_port: int | None = Field(
        9096,
        description="Port of the internal listener: /metrics and /internal/v1/accounts/{id}/campaigns (the console's"
        " Bulk Campaign page and the gateway, with X-Service-Token); both answer 404 on http_port",
    )
    service_token: str = Field(
        "local-dev-service-token",
        min_length=16,
        description="Shared token that trusted services send as X-Service-Token on the internal routes",
    )
    enabled_channels: list[Channel] = Field(
        default_factory=lambda: list(Channel), description="Channels whose connector is deployed"
    )
    max_file_bytes: int = Field(200 * MIB, ge=1, description="Largest campaign file accepted (413 beyond)")
    chunk_bytes: int = Field(
        1 * MIB, ge=4096, le=64 * MIB, description="Size of the pieces the upload is stored in (one row each)"
    )
    validation_batch_rows: int = Field(20_000, ge=100, description="Rows validated and written (COPY) per transaction")
    default_time_zone: str = Field(
        "Asia/Kolkata",
        description="Time zone of an account's scheduledAt without an offset (the console keeps no per-account"
        " time zone yet)",
    )
    campaign_rate_per_second: float = Field(100.0, gt=0, description="Messages a second one campaign sends at most")
    account_rate_per_second: float = Field(
        200.0, gt=0, description="Messages a second all campaigns of one account send together at most"
    )
    dispatch_tick_seconds: float = Field(
        0.1, gt=0, le=5, description="How often a dispatcher sends what its buckets allow"
    )
    dispatch_batch_max: int = Field(500, ge=1, description="Most messages of one campaign published in one batch")
    work_poll_seconds: float = Field(
        1.0, gt=0, description="How often a process looks for campaigns no process is working on"
    )
    quiet_hours_open: time = Field(time(9, 0), description="Promotional traffic starts at this local time (TRAI)")
    quiet_hours_close: time = Field(time(21, 0), description="Promotional traffic stops at this local time (TRAI)")
    quiet_hours_time_zone: str = Field("Asia/Kolkata", description="Time zone of the quiet hours (IST)")
    consumer_group: str = Field("campaigns", description="Kafka consumer group of the msg.status subscriber")
    status_batch_max_records: int = Field(2000, ge=1, description="Most status events applied in one transaction")
    status_batch_timeout_ms: int = Field(50, ge=1, description="How long a poll waits to fill a batch of statuses")
    status_batch_linger_ms: int = linger_field(50, "status events")
    cache_ttl_seconds: float = Field(
        60.0, gt=0, description="Longest cached console data lives (changes are also pushed by LISTEN/NOTIFY)"
    )
    first_rejected_rows: int = Field(20, ge=0, le=1000, description="Rejected rows shown with a campaign")
    max_page_size: int = Field(100, ge=1, description="Largest page of the campaign list")
    orphan_upload_hours: int = Field(24, ge=1, description="Uploads no campaign took are deleted after this")

    @field_validator("default_time_zone", "quiet_hours_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value
