"""Settings of the reporting service (env prefix CPAAS_REPORTING_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.platform.settings import ServiceSettings, linger_field


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_REPORTING_", extra="ignore")

    service_name: str = Field("reporting", description="Name in logs, metrics and event sources")
    http_port: int = Field(8083, description="Port of the ops endpoints (/healthz, /readyz, /metrics)")
    consumer_group: str = Field("reporting", description="Kafka consumer group of the message-log subscriber")
    batch_max_records: int = Field(
        5000, ge=1, description="Most records taken in one poll (committed together once applied)"
    )
    batch_timeout_ms: int = Field(10, ge=1, description="How long a poll waits for records before applying them")
    batch_linger_ms: int = linger_field(50)
    retention_days: int = Field(90, ge=1, description="Days of message log kept; older day partitions are dropped")
    partitions_ahead_days: int = Field(2, ge=0, description="Day partitions created ahead of today")
    maintenance_interval_seconds: float = Field(
        3600.0, gt=0, description="How often partitions ahead are created and expired ones dropped"
    )
