"""Settings of the local default: where data, logs and downloads live, and the ports."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[5]


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPAAS_LOCAL_", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / ".data", description="Kafka log dirs, PostgreSQL data, logs")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "cpaas", description="Downloads shared by every checkout (Kafka jars)"
    )
    kafka_version: str = Field("4.1.1", description="Apache Kafka version fetched from Maven Central")
    kafka_port: int = Field(9092, description="Kafka PLAINTEXT listener on 127.0.0.1")
    kafka_controller_port: int = Field(9093, description="KRaft controller listener on 127.0.0.1")
    kafka_heap: str = Field("512m", description="JVM heap of the broker")
    pg_port: int = Field(5432, description="PostgreSQL TCP port on 127.0.0.1")
    pg_database: str = Field("cpaas", description="The platform's database")
    pg_durable: bool = Field(True, description="False turns fsync off (tests only: faster, not crash-safe)")
    start_timeout_seconds: float = Field(90.0, description="How long to wait for a server to answer")
    replicas: dict[str, int] = Field(
        default_factory=dict,
        description='Processes per service, JSON, e.g. {"gateway": 2, "sms-connector": 2} (make run REPLICAS=...);'
        " replica n serves on the service's ports + n x 100",
    )

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def pg_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{self.pg_database}"
