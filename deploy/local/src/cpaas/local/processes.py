"""Child processes of the launcher that die with it.

Each child gets PR_SET_PDEATHSIG, so even if the launcher is killed with SIGKILL the
kernel sends the child SIGTERM: no orphan JVM or postgres. Children run in their own
session so that Ctrl-C reaches only the launcher, which then stops them in order.
Start children from the main thread: the death signal follows the creating thread.
"""

import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _death_signal(sig: int):
    def set_death_signal() -> None:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)

    return set_death_signal


def spawn(
    args: list[str],
    *,
    log_file: Path | None = None,
    env: dict[str, str] | None = None,
    user: str | None = None,
    cwd: Path | None = None,
    pipe: bool = False,
    death_signal: int = signal.SIGTERM,
) -> subprocess.Popen:
    """Start a child that dies with this process; output to `log_file`, a pipe, or ours."""
    stdout: int | object = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        stdout = open(log_file, "ab")  # noqa: SIM115 - the child owns it from here
    elif pipe:
        stdout = subprocess.PIPE
    proc = subprocess.Popen(
        args,
        stdout=stdout,
        stderr=subprocess.STDOUT if stdout is not None else None,
        env=env,
        user=user,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_death_signal(death_signal),
    )
    if log_file is not None:
        stdout.close()  # type: ignore[union-attr]
    return proc


def stop(proc: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
    """Ask a child to stop, wait, then kill it if it does not."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what or 'process'} exited with {proc.returncode} before port {port} opened")
        time.sleep(0.1)
    raise TimeoutError(f"{what or 'port'} {port} did not open within {timeout:.0f}s")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for_ready(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    """Until the service on `port` answers /readyz with 200: its port opens at once, while it
    may still be waiting for Kafka or PostgreSQL (cpaas.platform.serve.keep_starting)."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/readyz"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what or 'process'} exited with {proc.returncode} before it was ready")
        time.sleep(0.2)
    raise TimeoutError(f"{what or 'service'} on port {port} was not ready within {timeout:.0f}s")
