from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.platform.secretbox import LOCAL_KEY
from cpaas.platform.settings import ServiceSettings

# the single-page app built by `npm run build` in services/console/web (a source checkout)
WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_CONSOLE_", extra="ignore")

    service_name: str = Field("console", description="Name in logs, metrics and event sources")
    http_port: int = Field(8088, description="Port of the console (web app and its API)")
    billing_url: str = Field("http://127.0.0.1:8082", description="Base URL of billing's internal HTTP API")
    gateway_url: str = Field(
        "http://127.0.0.1:8081", description="Base URL of the gateway (Quick Message sends through it)"
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
    web_dist: Path = Field(
        WEB_DIST, description="The built web app (services/console/web/dist) that the console serves"
    )
    max_upload_mb: dict[str, int] = Field(
        default_factory=lambda: {"image": 5, "video": 16, "document": 16},
        description="Largest upload of each media kind, in MiB",
    )
    session_hours: float = Field(12.0, gt=0, description="How long a console login session lasts, in hours")
    max_failed_logins: int = Field(5, ge=1, description="Failed logins of a username before it is locked")
    lockout_minutes: float = Field(15.0, gt=0, description="How long a locked username stays locked, in minutes")
