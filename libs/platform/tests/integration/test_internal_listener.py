"""A service with a public and an internal listener shows /metrics and /internal/ on the
internal one only; its API and probes answer on both."""

import httpx
from fastapi import FastAPI

from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import bind_socket, serving


def _app() -> FastAPI:
    health = HealthState()
    health.started = True
    app = FastAPI()
    mount_ops(app, health)

    @app.get("/api/v1/thing")
    async def thing() -> dict:
        return {"ok": True}

    @app.post("/internal/v1/do")
    async def do() -> dict:
        return {"done": True}

    return app


async def test_metrics_and_internal_routes_answer_only_on_the_internal_listener() -> None:
    public, internal = bind_socket(), bind_socket()
    internal_port = internal.getsockname()[1]
    async with serving(_app(), public, internal_sock=internal) as public_port, httpx.AsyncClient() as http:
        outside, inside = f"http://127.0.0.1:{public_port}", f"http://127.0.0.1:{internal_port}"
        assert (await http.get(f"{outside}/metrics")).status_code == 404
        refused = await http.post(f"{outside}/internal/v1/do")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND"
        assert (await http.get(f"{outside}/api/v1/thing")).status_code == 200
        assert (await http.get(f"{outside}/readyz")).status_code == 200
        assert (await http.get(f"{inside}/metrics")).status_code == 200
        assert (await http.post(f"{inside}/internal/v1/do")).json() == {"done": True}
