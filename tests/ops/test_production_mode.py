"""Production mode engages from the one CPAAS_ENVIRONMENT setting: every service reads it
(whatever its own env prefix), and a service started in production with a local default
secret or a loopback provider address refuses to start."""

import asyncio
import importlib
import os
import sys

import pytest

# service module -> its settings class; each of these has a local default that production refuses
REFUSING = {
    "cpaas.gateway": "GatewaySettings",
    "cpaas.console": "ConsoleSettings",
    "cpaas.billing": "BillingSettings",
    "cpaas.webhooks": "WebhooksSettings",
    "cpaas.sms_connector": "SmsConnectorSettings",
    "cpaas.wa_connector": "WaConnectorSettings",
    "cpaas.rcs_connector": "RcsConnectorSettings",
    "cpaas.voice_connector": "VoiceConnectorSettings",
    "cpaas.ai": "AiSettings",
}
WITHOUT_SECRETS = {"cpaas.reporting": "ReportingSettings", "cpaas.router": "RouterSettings"}
START_TIMEOUT_SECONDS = 120  # nine services start at once on two cores


def _settings_class(module: str, name: str) -> type:
    return getattr(importlib.import_module(f"{module}.settings"), name)


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPAAS_")}
    return {**env, "CPAAS_ENVIRONMENT": "production", "CPAAS_PG_DSN": "postgresql://nobody@127.0.0.1:1/none"}


@pytest.mark.parametrize(("module", "name"), sorted({**REFUSING, **WITHOUT_SECRETS}.items()))
def test_every_service_reads_the_one_environment_setting(monkeypatch, module: str, name: str) -> None:
    monkeypatch.setenv("CPAAS_ENVIRONMENT", "production")
    settings_class = _settings_class(module, name)
    if module in REFUSING:
        with pytest.raises(ValueError, match="local default|loopback|production"):
            settings_class()
    else:
        assert settings_class().environment == "production"


async def _start(module: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        env=_production_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), START_TIMEOUT_SECONDS)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -1, "still running: it did not refuse"
    return proc.returncode, output.decode(errors="replace")


async def test_each_service_started_in_production_with_local_defaults_refuses() -> None:
    results = await asyncio.gather(*(_start(module) for module in REFUSING))
    for module, (code, output) in zip(REFUSING, results, strict=True):
        assert code not in (0, -1), f"{module} did not refuse: {output[-500:]}"
        assert "local default" in output or "loopback" in output or "production" in output, (module, output[-800:])
