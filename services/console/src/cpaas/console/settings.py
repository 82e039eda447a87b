from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from cpaas.console.domain.login_throttle import Backoff, ThrottlePolicy
from cpaas.console.domain.templates import DEFAULT_VOICE_CALLER_ID
from cpaas.platform.secretbox import LOCAL_KEY
from cpaas.platform.settings import ServiceSettings

# the single-page app built by `npm run build` in services/console/web (a source checkout)
WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_CONSOLE_", extra="ignore")

    service_name: str = Field("console", description="Name in logs, metrics and event sources")
    http_port: int = Field(8088, description="Port of the console (web app and its API)")
    internal_port: int | None = Field(
        9088, description="Port of the internal listener (/metrics, which answers 404 on http_port)"
    )
    billing_url: str = Field("http://127.0.0.1:8082", description="Base URL of billing's internal HTTP API")
    gateway_url: str = Field(
        "http://127.0.0.1:9081",
        description="Base URL of the gateway's internal listener (Quick Message sends through its /internal/ submit)",
    )
    campaigns_url: str = Field(
        "http://127.0.0.1:9096",
        description="Base URL of the campaigns service's internal listener (the Bulk Campaign page's"
        " /internal/v1/accounts/{id}/campaigns routes)",
    )
    connector_metrics_urls: dict[str, str] = Field(
        {
            "sms-connector": "http://127.0.0.1:8084/metrics",
            "wa-connector": "http://127.0.0.1:8085/metrics",
            "rcs-connector": "http://127.0.0.1:8086/metrics",
            "voice-connector": "http://127.0.0.1:8087/metrics",
        },
        description="Each connector's /metrics, read by the admin's Unmatched provider events panel"
        ' (JSON: {"wa-connector": "http://...:8085/metrics", ...})',
    )
    ai_url: str = Field(
        "http://127.0.0.1:8095",
        description="Base URL of the ai service (the compliance check and AI Assist of the Templates screen)",
    )
    require_confirm_high_risk: bool = Field(
        True,
        description="Submitting a template whose compliance check is HIGH risk needs the user's explicit"
        " confirmation (`confirmHighRisk: true`; the form asks)",
    )
    public_url: str = Field(
        "http://127.0.0.1:8088",
        description="Base URL at which carriers and providers reach this console (uploaded media is served under it)",
    )
    service_token: str = Field(
        "local-dev-service-token",
        min_length=16,
        description="X-Service-Token sent to billing's and the gateway's internal APIs",
    )
    secrets_key: str = Field(
        LOCAL_KEY,
        description="Key that seals provider credentials at rest (WABA tokens, RBM bot secrets): the same value"
        " for the console and the WhatsApp and RCS connectors",
    )
    whatsapp_api_url: str = Field(
        "http://127.0.0.1:8092",
        description="Base URL of the WhatsApp Cloud API (Graph) where linked numbers are registered"
        " (https://graph.facebook.com in production; the sandbox's locally)",
    )
    whatsapp_api_version: str = Field("v21.0", description="Graph API version of the registration call")
    rbm_api_url: str = Field(
        "http://127.0.0.1:8093", description="Base URL of the RBM platform where requested RCS bots are created"
    )
    rbm_partner_token: str = Field(
        "local-dev-rbm-partner-token",
        description="Partner token that creates and launches RBM agents (the RCS connector's partner token)",
    )
    register_every_number_at_start: bool | None = Field(
        None,
        description="Register every ACTIVE WhatsApp number with the Cloud API at each start, not only those never"
        " registered; unset: in the local environment only (the sandbox forgets registrations when it stops)",
    )
    voice_caller_id: str = Field(
        DEFAULT_VOICE_CALLER_ID,
        pattern=r"^\+[1-9][0-9]{6,14}$",
        description="The caller ID voice calls come from (the voice connector's CPAAS_VOICE_CONNECTOR_CALLER_ID):"
        " a voice template's identity on the Templates screen",
    )
    demo_credentials_file: Path | None = Field(
        None,
        description="`make run` sets it to .data/demo-credentials.json: a rotation of the demo account's API key or"
        " webhook secret is written there too, so the file stays true while the platform runs",
    )
    webhook_secret_grace_hours: float = Field(
        24.0,
        ge=0,
        description="After a webhook secret rotation the old secret stays valid this long: receipts are signed"
        " with both meanwhile (0: the old secret stops at once)",
    )
    web_dist: Path = Field(
        WEB_DIST, description="The built web app (services/console/web/dist) that the console serves"
    )
    max_upload_mb: dict[str, int] = Field(
        default_factory=lambda: {"image": 5, "video": 16, "document": 16},
        description="Largest upload of each media kind, in MiB",
    )
    session_hours: float = Field(12.0, gt=0, description="How long a console login session lasts, in hours")
    trusted_proxies: int = Field(
        0,
        ge=0,
        description="Reverse proxies in front of the console that append to X-Forwarded-For; the client address"
        " is the entry this many places from the right (0: the connection's own address, the header ignored)",
    )
    login_address_free_failures: int = Field(
        10, ge=1, description="Failed logins from one client address before each further attempt must wait"
    )
    login_pair_free_failures: int = Field(
        3, ge=1, description="Failed logins of one username from one address before each further attempt must wait"
    )
    login_username_free_failures: int = Field(
        20,
        ge=1,
        description="Failed logins of one username from all addresses before its attempts from addresses that"
        " already failed for it must wait (addresses that have not are never held back by it)",
    )
    login_backoff_base_seconds: float = Field(
        1.0, gt=0, description="First wait once a counter's free failures are used; doubled with each failure"
    )
    login_backoff_max_seconds: float = Field(
        900.0, gt=0, description="Longest wait imposed by the address and (address, username) counters"
    )
    login_username_backoff_max_seconds: float = Field(
        60.0, gt=0, description="Longest wait imposed by a username's counter (it slows, never locks out)"
    )
    login_failure_memory_minutes: float = Field(
        60.0, gt=0, description="A counter of failed logins is forgotten this long after its last failure"
    )
    allow_loopback: bool | None = Field(
        None,
        description="Accept webhook URLs on loopback addresses (127.0.0.0/8, ::1); unset: only in the local"
        " environment (the same rule as the webhooks service's setting of that name)",
    )
    allow_private: bool = Field(
        False,
        description="Accept webhook URLs on private, link-local and CGNAT addresses (RFC 1918, fc00::/7, ...), as"
        " the webhooks service's setting of that name",
    )

    @model_validator(mode="after")
    def _refuse_loopback_providers(self) -> "ConsoleSettings":
        if self.environment == "production":
            for name in ("whatsapp_api_url", "rbm_api_url"):
                if urlsplit(getattr(self, name)).hostname in ("127.0.0.1", "localhost", "::1"):
                    raise ValueError(f"{name} points at this machine (the sandbox); set CPAAS_CONSOLE_{name.upper()}")
        return self

    @model_validator(mode="after")
    def _loopback_default(self) -> "ConsoleSettings":
        """Loopback receivers are the norm on a laptop and a hazard anywhere else."""
        if self.allow_loopback is None:
            self.allow_loopback = self.environment == "local"
        return self

    def throttle_policy(self) -> ThrottlePolicy:
        base = self.login_backoff_base_seconds
        return ThrottlePolicy(
            address=Backoff(self.login_address_free_failures, base, self.login_backoff_max_seconds),
            pair=Backoff(self.login_pair_free_failures, base, self.login_backoff_max_seconds),
            username=Backoff(self.login_username_free_failures, base, self.login_username_backoff_max_seconds),
            memory_seconds=self.login_failure_memory_minutes * 60,
        )
