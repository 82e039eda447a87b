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


def test_replicas_get_their_own_ports_and_names() -> None:
    from cpaas.local.launcher import planned_services

    specs = planned_services(LocalSettings(replicas={"gateway": 3, "sms-connector": 2}))
    gateways = [s for s in specs if s.module == "cpaas.gateway"]
    assert [(s.name, s.port) for s in gateways] == [("gateway", 8081), ("gateway-2", 8181), ("gateway-3", 8281)]
    ports = {k: v for k, v in gateways[2].env.items() if k.endswith("_PORT")}
    assert ports == {"CPAAS_GATEWAY_HTTP_PORT": "8281", "CPAAS_GATEWAY_INTERNAL_PORT": "9281"}
    # what a replica calls stays where the one of each service listens
    assert gateways[2].env["CPAAS_GATEWAY_CONSOLE_INTERNAL_URL"] == gateways[0].env["CPAAS_GATEWAY_CONSOLE_INTERNAL_URL"]
    sms = [s for s in specs if s.module == "cpaas.sms_connector"]
    assert [s.env.get("CPAAS_SMS_CONNECTOR_HTTP_PORT") for s in sms] == [None, "8184"]
    assert len({s.port for s in specs}) == len(specs)


def test_the_sandbox_and_an_unknown_service_are_refused_as_replicas() -> None:
    import pytest

    from cpaas.local.launcher import planned_services

    with pytest.raises(ValueError, match="runs once"):
        planned_services(LocalSettings(replicas={"sandbox": 2}))
    with pytest.raises(ValueError, match="no such service"):
        planned_services(LocalSettings(replicas={"gatewy": 2}))


def test_a_replica_added_later_is_the_one_a_larger_count_would_have_started() -> None:
    from cpaas.local.launcher import SERVICES, planned_services, replica

    webhooks = next(s for s in SERVICES if s.name == "webhooks")
    started = [s for s in planned_services(LocalSettings(replicas={"webhooks": 3})) if s.module == webhooks.module]
    assert replica(webhooks, 1) is webhooks
    assert replica(webhooks, 3) == started[2]
    assert (started[2].name, started[2].port) == ("webhooks-3", 8289)
