"""/healthz, /readyz and /metrics on a FastAPI app and on a FastStream ASGI app, with the
real broker behind the readiness check."""

import httpx
from fastapi import FastAPI
from faststream.asgi import AsgiFastStream

from cpaas.platform.broker import make_broker
from cpaas.platform.ops import HealthState, faststream_asgi_routes, mount_ops
from cpaas.platform.serve import broker_lifespan
from cpaas.platform.settings import KafkaSettings


async def get(app, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


async def test_fastapi_app_is_ready_only_while_its_broker_runs(kafka_settings: KafkaSettings) -> None:
    health = HealthState()
    app = FastAPI()
    mount_ops(app, health)
    broker = make_broker(kafka_settings, client_id="ops-test")
    assert (await get(app, "/readyz")).status_code == 503  # not started yet
    async with broker_lifespan(broker, health):
        health.started = True
        ready = await get(app, "/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"kafka": "ok"}
        assert (await get(app, "/healthz")).json() == {"status": "ok"}
    draining = await get(app, "/readyz")
    assert draining.status_code == 503
    assert draining.json()["checks"]["shutdown"] == "draining"
    metrics = await get(app, "/metrics")
    assert metrics.status_code == 200
    assert 'cpaas_http_requests_total{method="GET",route="/readyz",status="503"}' in metrics.text


async def test_faststream_asgi_app_serves_the_same_endpoints(kafka_settings: KafkaSettings) -> None:
    health = HealthState()
    broker = make_broker(kafka_settings, client_id="ops-test")
    app = AsgiFastStream(broker, asgi_routes=faststream_asgi_routes(health))
    async with broker_lifespan(broker, health):
        health.started = True
        assert (await get(app, "/readyz")).status_code == 200
        assert (await get(app, "/healthz")).status_code == 200
        assert b"cpaas_" in (await get(app, "/metrics")).content


async def test_a_failing_check_makes_the_service_not_ready() -> None:
    health = HealthState()
    health.started = True

    async def database_down() -> bool:
        raise ConnectionRefusedError

    health.add_check("postgres", database_down)
    app = FastAPI()
    mount_ops(app, health)
    response = await get(app, "/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"postgres": "error: ConnectionRefusedError"}
