"""Settings of the SMS connector (env prefix CPAAS_SMS_CONNECTOR_)."""

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from cpaas.connector_kit.settings import ConnectorSettings

# SMPP 3.4 allows 8 password characters, too few for the usual "local-dev-" marker, so
# the local default is refused in production by name instead.
LOCAL_SMPP_PASSWORD = "localdev"  # noqa: S105 - the local default, refused in production


class SmsConnectorSettings(ConnectorSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_SMS_CONNECTOR_", extra="ignore")

    service_name: str = Field("sms-connector", description="Name in logs, metrics and event sources")
    http_port: int = Field(8084, description="Port of /healthz, /readyz and /metrics")
    provider: Literal["smpp"] = Field("smpp", description="SMS provider (an SMSC over SMPP 3.4)")
    smpp_host: str = Field("127.0.0.1", description="SMSC host")
    smpp_port: int = Field(2775, ge=1, le=65535, description="SMSC port")
    system_id: str = Field("cpaas", min_length=1, max_length=15, description="SMPP system_id of our ESME account")
    password: str = Field(LOCAL_SMPP_PASSWORD, max_length=8, description="SMPP password (at most 8 characters)")
    system_type: str = Field("", max_length=12, description="SMPP system_type sent in the bind")
    binds: int = Field(1, ge=1, le=32, description="Transceiver binds kept open to the SMSC")
    window_size: int = Field(50, ge=1, le=1000, description="Most submit_sm awaiting their response, per bind")
    inbound_capacity: int = Field(
        50_000,
        ge=1,
        description="deliver_sm (receipts) of one bind awaiting their acknowledgement before the bind stops reading",
    )
    submit_rate_per_second: float = Field(1000.0, gt=0, description="Most submit_sm per second, per bind")
    sender_rate_per_second: float = Field(
        500.0, gt=0, description="Most submit_sm per second for one sender ID, over all binds of this process"
    )
    connect_timeout_seconds: float = Field(5.0, gt=0, description="How long connecting and binding may take")
    submit_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="How long a segment waits for a bound session, then for its submit_sm_resp (query_sm alike)",
    )
    reconnect_max_seconds: float = Field(10.0, gt=0, description="Cap of the exponential backoff between binds")
    enquire_link_seconds: float = Field(
        30.0, gt=0, description="Idle time of a bind after which an enquire_link checks that the SMSC is still there"
    )
    validity_period_seconds: int = Field(
        172_800,
        ge=1,
        le=99 * 86_400,
        description="validity_period of every submit_sm (SMPP relative time): how long the SMSC tries to deliver",
    )
    receipt_grace_seconds: float = Field(
        3600.0,
        ge=0,
        description="Added to the validity period: past both, a message without its receipt is queried with query_sm",
    )
    receipt_sweep_seconds: float = Field(
        60.0, gt=0, description="How often messages past their receipt deadline are looked for"
    )
    receipt_hold_seconds: float = Field(
        2.0,
        ge=0,
        description="How long a receipt for a not (yet) known carrier id is held unacknowledged before it is parked"
        " in the database (and then acknowledged)",
    )
    receipt_park_seconds: float = Field(
        86_400.0,
        ge=0,
        description="How long a parked receipt for an unknown carrier id is retried before it is dropped",
    )
    receipt_batch_seconds: float = Field(0.005, ge=0, description="How long receipts are collected into one batch")
    receipt_batch_max: int = Field(500, ge=1, description="Most receipts applied in one database transaction")
    max_segments: int = Field(10, ge=1, le=255, description="Longest message, in SMS segments, that is sent")

    @property
    def receipt_deadline_seconds(self) -> float:
        """From the submit_sm_resp to the receipt deadline of an accepted message."""
        return self.validity_period_seconds + self.receipt_grace_seconds

    @property
    def deadline_setting_names(self) -> str:
        return "validity_period_seconds + receipt_grace_seconds"

    @model_validator(mode="after")
    def _refuse_local_password(self) -> "SmsConnectorSettings":
        if self.environment == "production" and self.password == LOCAL_SMPP_PASSWORD:
            raise ValueError("password still has its local default; set CPAAS_SMS_CONNECTOR_PASSWORD")
        return self
