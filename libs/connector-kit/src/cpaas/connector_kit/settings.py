"""What every connector's settings have (each connector subclasses this with its env prefix)."""

from pydantic import Field, model_validator

from cpaas.platform.settings import ServiceSettings


class ConnectorSettings(ServiceSettings):
    """A subclass also gives `receipt_deadline_seconds`: how long an accepted send waits
    for its receipt (a field of its own, with its default, or derived: SMS's validity
    period plus grace), which must be shorter than the retention."""

    retention_days: float = Field(
        7.0, gt=0, description="Days a send's rows are kept (receipts and provider events for it come before then)"
    )
    receipt_sweep_seconds: float = Field(
        30.0, gt=0, description="How often messages past their receipt deadline are looked for"
    )
    cache_ttl_seconds: float = Field(30.0, ge=0, description="Lifetime of cached console data (templates, senders)")
    batch_max_records: int = Field(500, ge=1, description="Most submit events handled in one batch")
    batch_timeout_ms: int = Field(5, ge=0, description="How long the consumer waits to fill a batch")

    @model_validator(mode="after")
    def _deadline_within_retention(self) -> "ConnectorSettings":
        if self.receipt_deadline_seconds >= self.retention_days * 86400:  # type: ignore[attr-defined]
            raise ValueError(
                f"{self.deadline_setting_names} must be shorter than retention_days (the rows would be gone)"
            )
        return self

    @property
    def deadline_setting_names(self) -> str:
        """The settings that make up the receipt deadline, for the message that refuses them."""
        return "receipt_deadline_seconds"
