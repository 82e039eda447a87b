"""The launcher restarts a service that exits on its own, up to a limit, and says so."""

import time

from cpaas.local.launcher import RESTART_LIMIT, RESTART_WINDOW_SECONDS, ServiceSpec, Supervised, start_service
from cpaas.local.settings import LocalSettings

CRASHING = ServiceSpec("crashing", "cpaas.no_such_service_module", 1)


def _wait_exit(child: Supervised) -> None:
    deadline = time.monotonic() + 30
    while child.proc.poll() is None:
        assert time.monotonic() < deadline, "the child did not exit"
        time.sleep(0.05)


def test_a_crashed_service_is_restarted_until_the_limit_then_left_down(tmp_path, capsys) -> None:
    settings = LocalSettings(data_dir=tmp_path)
    child = Supervised(CRASHING, start_service(settings, CRASHING))
    first_pid = child.proc.pid
    for n in range(RESTART_LIMIT):
        _wait_exit(child)
        assert child.restart_if_exited(settings, now=100.0 + n)
    assert child.proc.pid != first_pid
    _wait_exit(child)
    assert not child.restart_if_exited(settings, now=100.0 + RESTART_LIMIT)
    assert child.given_up
    out = capsys.readouterr().out
    assert out.count("restarting it") == RESTART_LIMIT
    assert "leaving it stopped" in out


def test_restarts_long_ago_do_not_count_against_the_limit(tmp_path) -> None:
    settings = LocalSettings(data_dir=tmp_path)
    child = Supervised(CRASHING, start_service(settings, CRASHING), restarts=[0.0] * RESTART_LIMIT)
    _wait_exit(child)
    assert child.restart_if_exited(settings, now=RESTART_WINDOW_SECONDS + 1)
    _wait_exit(child)
