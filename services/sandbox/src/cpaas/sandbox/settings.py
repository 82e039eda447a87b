"""Settings of the sandbox (env prefix CPAAS_SANDBOX_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.platform.settings import ServiceSettings
from cpaas.sandbox.rbm.settings import RbmSandboxSettings
from cpaas.sandbox.voice.settings import VoiceSandboxSettings
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings


class SandboxSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_SANDBOX_", extra="ignore")

    service_name: str = Field("sandbox", description="Name in logs and metrics")
    http_port: int = Field(8090, description="Port of the HTTP server (/sandbox/..., /healthz, /readyz, /metrics)")
    smpp_host: str = Field("127.0.0.1", description="Address the SMSC listens on")
    smpp_port: int = Field(2775, ge=0, le=65535, description="Port the SMSC listens on (0 picks a free port)")
    smpp_system_id: str = Field("cpaas", max_length=15, description="system_id an ESME must bind with")
    smpp_password: str = Field(
        "localdev",
        max_length=8,
        description="Password an ESME must bind with (SMPP 3.4 allows 8 characters, too few for a local-dev- marker)",
    )
    receipt_delay_seconds: float = Field(
        1.0, ge=0, description="Time from an accepted submit_sm to its delivery receipt (0: at once)"
    )
    received_log_size: int = Field(
        10_000, ge=1, description="How many received submit_sm the SMSC keeps for GET /sandbox/smsc/messages"
    )
    queued_receipts_max: int = Field(
        100_000,
        ge=1,
        description="Receipts kept per system_id while no receiver is bound; past this the oldest are dropped",
    )
    known_messages_max: int = Field(
        100_000, ge=1, description="Accepted messages the SMSC remembers for query_sm; older ones are unknown"
    )
    serve_channel_apis: bool = Field(True, description="Also serve the WhatsApp, RBM and voice API imitations")
    whatsapp: WhatsAppSandboxSettings = Field(
        default_factory=WhatsAppSandboxSettings, description="WhatsApp Cloud API imitation (CPAAS_SANDBOX_WA_*)"
    )
    rbm: RbmSandboxSettings = Field(
        default_factory=RbmSandboxSettings, description="RBM API imitation (CPAAS_SANDBOX_RBM_*)"
    )
    voice: VoiceSandboxSettings = Field(
        default_factory=VoiceSandboxSettings, description="Programmable-voice API imitation (CPAAS_SANDBOX_VOICE_*)"
    )
