"""Settings shared by every service; each service subclasses `ServiceSettings`.

Infrastructure settings (Kafka, PostgreSQL) have their own env prefixes so one set of
variables configures every service of a deployment; a service's own settings use its
own prefix (e.g. `CPAAS_GATEWAY_HTTP_PORT`).
"""

import os
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

LOCAL_SECRET_PREFIX = "local-dev-"  # noqa: S105 - a marker, not a secret


def linger_field(default_ms: int, events: str = "events") -> Any:
    """The setting of a subscriber off the send path that lingers (`cpaas.platform.broker.subscribe`)."""
    return Field(
        default_ms,
        ge=0,
        description=f"Longest the broker holds a poll to gather {events} while they flow (0: none); off the send"
        " path, so at low rates a poll carries a window of events instead of one",
    )


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_KAFKA_", extra="ignore")

    bootstrap_servers: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated")
    topic_prefix: str = Field("", description="Prefix added to every topic name (tests isolate themselves with it)")
    default_partitions: int = Field(6, ge=1, description="Partitions of each topic created by the launcher")
    partitions: dict[str, int] = Field(default_factory=dict, description="Per-topic partition overrides, JSON")
    replication_factor: int = Field(1, ge=1, description="Replication factor of created topics")

    def topic(self, name: str) -> str:
        return self.topic_prefix + name


class PostgresSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_PG_", extra="ignore")

    dsn: str = Field(
        "postgresql://postgres@127.0.0.1:5432/cpaas",
        description="libpq DSN of the platform's database (one database, one schema per service)",
    )
    pool_min_size: int = Field(1, ge=0, description="Connections kept open per process")
    pool_max_size: int = Field(10, ge=1, description="Most connections per process")


ENVIRONMENT_VARIABLE = "CPAAS_ENVIRONMENT"


class _PlatformEnvironment(PydanticBaseSettingsSource):
    """`CPAAS_ENVIRONMENT`, the one switch of every service's mode, whatever the service's
    own prefix (a service-prefixed `CPAAS_<SERVICE>_ENVIRONMENT` still wins)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return os.environ.get(ENVIRONMENT_VARIABLE), field_name, False

    def __call__(self) -> dict[str, Any]:
        value = os.environ.get(ENVIRONMENT_VARIABLE)
        return {"environment": value} if value else {}


class ServiceSettings(BaseSettings):
    """Base of a service's settings; subclasses set `model_config` with their env prefix."""

    model_config = SettingsConfigDict(env_prefix="CPAAS_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _PlatformEnvironment(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    service_name: str = Field("cpaas", description="Name in logs, metrics and event sources")
    environment: Literal["local", "production"] = Field(
        "local",
        description="'local' allows default secrets and loopback targets; 'production' refuses them."
        " Set once for every service as CPAAS_ENVIRONMENT",
    )
    log_level: str = Field("INFO", description="Root log level")
    http_host: str = Field("127.0.0.1", description="Address the HTTP server binds")
    http_port: int = Field(8080, description="Port of the HTTP server (API, /healthz, /readyz, /metrics)")
    internal_port: int | None = Field(
        None,
        description="Port of a second, internal listener: when set, /metrics and the /internal/ routes are served"
        " there only and answer 404 on http_port (for a service whose http_port is public)",
    )
    shutdown_grace_seconds: float = Field(15.0, gt=0, description="How long shutdown waits for in-flight work")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings, description="Kafka connection")
    postgres: PostgresSettings = Field(default_factory=PostgresSettings, description="PostgreSQL connection")

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> "ServiceSettings":
        if self.environment == "production":
            for name, value in self:
                if isinstance(value, str) and value.startswith(LOCAL_SECRET_PREFIX):
                    raise ValueError(f"{name} still has its local default secret; set it for production")
        return self
