"""/healthz, /readyz and /metrics for every service, FastAPI or FastStream.

/healthz answers 200 while the process runs its event loop. /readyz answers 200 only
when every readiness check passes and the service is not draining for shutdown, so a
load balancer stops sending work before in-flight work is drained.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cpaas.platform.metrics import HTTP_REQUESTS, HTTP_SECONDS, render_latest

ReadinessCheck = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT_SECONDS = 2.0


class HealthState:
    def __init__(self) -> None:
        self.checks: dict[str, ReadinessCheck] = {}
        self.draining = False
        self.started = False

    def add_check(self, name: str, check: ReadinessCheck) -> None:
        self.checks[name] = check

    async def readiness(self) -> tuple[bool, dict[str, str]]:
        results: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                ok = await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
            except Exception as exc:  # a failing check means not ready, never a crash
                ok, results[name] = False, f"error: {type(exc).__name__}"
            else:
                results[name] = "ok" if ok else "failing"
        ready = self.started and not self.draining and all(v == "ok" for v in results.values())
        if not self.started:
            results["startup"] = "in progress"
        if self.draining:
            results["shutdown"] = "draining"
        return ready, results


def _endpoints(health: HealthState) -> dict[str, Callable[[Request], Awaitable[Response]]]:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ready, checks = await health.readiness()
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )

    async def metrics(_: Request) -> Response:
        body, content_type = render_latest()
        return Response(body, media_type=content_type)

    return {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}


OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
STARTING_RETRY_AFTER_SECONDS = 2


def mount_ops(app: FastAPI, health: HealthState) -> None:
    """Add the three ops endpoints and request metrics to a FastAPI app, and answer 503 to
    anything else until the service has started (`cpaas.platform.serve.keep_starting` may
    serve HTTP while it still waits for Kafka or PostgreSQL)."""
    for path, endpoint in _endpoints(health).items():
        app.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(NotStartedGuard, health=health)
    app.add_middleware(RequestMetricsMiddleware)
    app.state.health = health


INTERNAL_PREFIX = "/internal/"


class InternalRoutesGuard:
    """On a service with a public and an internal listener: /metrics and /internal/ answer
    404 on every port but the internal one, so the public port never shows them."""

    def __init__(self, app: ASGIApp, internal_port: int) -> None:
        self.app, self.internal_port = app, internal_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_internal_path(scope["path"]):
            server = scope.get("server")
            if not server or server[1] != self.internal_port:
                response = JSONResponse({"error": {"code": "NOT_FOUND", "message": "no such route"}}, status_code=404)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def is_internal_path(path: str) -> bool:
    return path == "/metrics" or path.startswith(INTERNAL_PREFIX)


class NotStartedGuard:
    """Until the service has started, every request but the ops endpoints gets 503
    SERVICE_UNAVAILABLE with Retry-After (its state is not built yet)."""

    def __init__(self, app: ASGIApp, health: HealthState) -> None:
        self.app, self.health = app, health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.health.started or scope["path"] in OPS_PATHS:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"error": {"code": "SERVICE_UNAVAILABLE", "message": "the service is starting; retry shortly"}},
            status_code=503,
            headers={"Retry-After": str(STARTING_RETRY_AFTER_SECONDS)},
        )
        await response(scope, receive, send)


def faststream_asgi_routes(health: HealthState) -> list[tuple[str, ASGIApp]]:
    """The same endpoints for `faststream.asgi.AsgiFastStream(asgi_routes=...)`."""
    return [(path, Route(path, endpoint).app) for path, endpoint in _endpoints(health).items()]


class RequestMetricsMiddleware:
    """Pure ASGI (no per-request task): counts requests by route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], path, str(status["code"])).inc()
            HTTP_SECONDS.labels(scope["method"], path).observe(time.perf_counter() - started)
