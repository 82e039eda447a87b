"""Apache Kafka, single node in KRaft mode, from Maven Central jars on the machine's JVM.

The jars are fetched once per version into the cache dir by Maven (`mvn
dependency:copy-dependencies` over resources/pom.xml); log dirs live under
`<data_dir>/kafka` and are formatted only when empty, so data survives a restart.
"""

import shutil
import subprocess
import time
import uuid
from importlib import resources
from pathlib import Path

from cpaas.local.processes import port_open, spawn, stop, wait_for_port
from cpaas.local.settings import LocalSettings

MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"


def _resource(name: str) -> Path:
    return Path(str(resources.files("cpaas.local") / "resources" / name))


def ensure_jars(settings: LocalSettings, *, progress: bool = True) -> Path:
    """The libs folder of this Kafka version, fetched by Maven when not cached yet."""
    libs = settings.cache_dir / f"kafka-{settings.kafka_version}-r2" / "libs"
    marker = libs.parent / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed once to fetch Kafka's jars from Maven Central")
    work = libs.parent
    work.mkdir(parents=True, exist_ok=True)
    pom = work / "pom.xml"
    pom.write_text(
        _resource("pom.xml")
        .read_text()
        .replace("<kafka.version>4.1.1</kafka.version>", f"<kafka.version>{settings.kafka_version}</kafka.version>")
    )
    if progress:
        print(f"[local] fetching Apache Kafka {settings.kafka_version} jars from Maven Central...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    marker.write_text(settings.kafka_version)
    if progress:
        count = len(list(libs.glob("*.jar")))
        print(f"[local] {count} jars in {time.monotonic() - started:.1f}s -> {libs}", flush=True)
    return libs


class KafkaServer:
    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.dir = settings.data_dir / "kafka"
        self.log_dir = self.dir / "data"
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    def _properties(self) -> str:
        s = self.settings
        return "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{s.kafka_controller_port}",
                f"listeners=PLAINTEXT://127.0.0.1:{s.kafka_port},CONTROLLER://127.0.0.1:{s.kafka_controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{s.kafka_port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={self.log_dir}",
                "num.partitions=6",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "delete.topic.enable=true",
                "log.retention.hours=168",
                "",
            ]
        )

    def _java(self, libs: Path, *args: str, heap: str = "256m") -> list[str]:
        return [
            "java",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={_resource('log4j2.xml')}",
            f"-Dcpaas.kafka.log={self.settings.logs_dir / 'kafka.log'}",
            "-cp",
            f"{libs}/*",
            *args,
        ]

    def start(self) -> None:
        """Start the broker and return once it answers on its port."""
        if port_open(self.settings.kafka_port):
            raise RuntimeError(f"port {self.settings.kafka_port} is taken; is Kafka already running?")
        libs = ensure_jars(self.settings)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.settings.logs_dir.mkdir(parents=True, exist_ok=True)
        config = self.dir / "server.properties"
        config.write_text(self._properties())
        if not (self.log_dir / "meta.properties").exists():
            cluster_id = self.dir / "cluster.id"
            if not cluster_id.exists():
                cluster_id.write_text(uuid.uuid4().hex)
            subprocess.run(
                self._java(
                    libs,
                    STORAGE_TOOL,
                    "format",
                    f"--cluster-id={_cluster_id(cluster_id.read_text())}",  # one word: an id may start with '-'
                    "-c",
                    str(config),
                    "--ignore-formatted",
                ),
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        self.proc = spawn(
            [*self._java(libs, MAIN_CLASS, str(config), heap=self.settings.kafka_heap)],
            log_file=self.settings.logs_dir / "kafka.out",
        )
        wait_for_port(self.settings.kafka_port, self.settings.start_timeout_seconds, self.proc, "Kafka")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=30)
            self.proc = None


def _cluster_id(seed: str) -> str:
    """KRaft wants a base64 UUID (22 chars); derive a stable one from the saved seed."""
    import base64

    raw = uuid.UUID(hex=(seed.strip() + "0" * 32)[:32]).bytes
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
