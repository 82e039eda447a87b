"""The gateway run as its real process shows only its API on its public port: /metrics and
the /internal/ routes (which the local default service token would open) answer 404 there
and live on the internal listener."""

import asyncio
import os
import signal
import sys

import httpx

from cpaas.platform.settings import KafkaSettings, PostgresSettings

from .test_start_without_infra import _free_port, _until


async def test_metrics_and_internal_routes_are_not_on_the_gateways_public_port(
    pg_settings: PostgresSettings, kafka_settings: KafkaSettings
) -> None:
    public, internal = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CPAAS_")},
        "CPAAS_PG_DSN": pg_settings.dsn,
        "CPAAS_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        "CPAAS_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
        "CPAAS_GATEWAY_HTTP_PORT": str(public),
        "CPAAS_GATEWAY_INTERNAL_PORT": str(internal),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cpaas.gateway",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    token = {"X-Service-Token": "local-dev-service-token"}
    submit = "/internal/v1/accounts/1/messages/submit"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            outside, inside = f"http://127.0.0.1:{public}", f"http://127.0.0.1:{internal}"
            await _until(http, f"{outside}/readyz", 200)
            assert (await http.get(f"{outside}/metrics")).status_code == 404
            refused = await http.post(f"{outside}{submit}", headers=token, content=b"{}")
            assert refused.status_code == 404
            assert (await http.get(f"{outside}/docs")).status_code == 200
            assert (await http.get(f"{inside}/metrics")).status_code == 200
            assert (await http.post(f"{inside}{submit}", content=b"{}")).status_code == 401  # no token
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
