"""Settings of the billing service (env prefix CPAAS_BILLING_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.platform.settings import ServiceSettings, linger_field


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_BILLING_", extra="ignore")

    service_name: str = Field("billing", description="Name in logs, metrics and event sources")
    http_port: int = Field(8082, description="Port of the internal billing API and the ops endpoints")
    currency: str = Field(
        "INR", pattern=r"^[A-Z]{3}$", description="ISO 4217 currency of balances and prices (amounts in minor units)"
    )
    home_country: str = Field(
        "IN",
        pattern=r"^[A-Z]{2}$",
        description="Region whose recipients are domestic for WhatsApp Auth pricing when a template has no WABA number",
    )
    service_token: str = Field(
        "local-dev-service-token",
        min_length=16,
        description="Shared token that callers of the internal API (the console) send as X-Service-Token",
    )
    consumer_group: str = Field("billing", description="Kafka consumer group of the charging subscriber")
    batch_max_records: int = Field(2000, ge=1, description="Most status events charged in one batch (one transaction)")
    batch_timeout_ms: int = Field(10, ge=1, description="How long a poll waits for status events before charging them")
    batch_linger_ms: int = linger_field(50, "status events")
    template_cache_seconds: float = Field(
        300.0, gt=0, description="Longest a console template is cached (changes are also pushed by LISTEN/NOTIFY)"
    )
    max_page_size: int = Field(200, ge=1, description="Largest page of the transaction log")
