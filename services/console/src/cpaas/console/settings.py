from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cpaas.platform.settings import ServiceSettings


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_CONSOLE_", extra="ignore")

    service_name: str = Field("console", description="Name in logs, metrics and event sources")
    http_port: int = Field(8088, description="Port of the console (web app and its API)")
