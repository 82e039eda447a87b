"""Apps on real ports for a connector's tests: the connector, a forwarder of the
provider's webhooks, and a tap between the connector and its provider."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from cpaas.platform.serve import bind_socket, serving

HOST = "127.0.0.1"
HOP_BY_HOP = frozenset({"host", "content-length", "connection", "transfer-encoding", "keep-alive"})


@asynccontextmanager
async def served(app: ASGIApp, port: int = 0) -> AsyncIterator[str]:
    """`app` served by uvicorn (lifespan included) on `port` (0: a free one); its base URL."""
    async with serving(app, bind_socket(HOST, port)) as bound:
        yield f"http://{HOST}:{bound}"


def webhook_forwarder(target_url: str, path: str, headers: Iterable[str]) -> Starlette:
    """Passes the provider's webhooks on to `target_url` + `path`, byte for byte, with
    the named headers (its signature among them)."""
    kept = {h.lower() for h in headers}

    async def forward(request: Request) -> Response:
        passed = {k: v for k, v in request.headers.items() if k in kept}
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{target_url}{path}", content=await request.body(), headers=passed)
        return Response(answer.content, status_code=answer.status_code)

    return Starlette(routes=[Route(path, forward, methods=["POST"])])


def forwarding(target_url: str, path: str, headers: Iterable[str], port: int) -> AbstractAsyncContextManager[str]:
    """`webhook_forwarder` served on `port`."""
    return served(webhook_forwarder(target_url, path, headers), port)


Answered = Callable[[Request, httpx.Response], Awaitable[None]]


class AnswerTap:
    """A proxy in front of the provider's HTTP API: every request goes on to `upstream`,
    and once the provider answered one whose path matches `path`, `on_answer` runs before
    the connector gets the answer (e.g. to cut PostgreSQL right after a send was accepted)."""

    def __init__(self, upstream: str, path: str, on_answer: Answered) -> None:
        self.upstream, self.path, self.on_answer = upstream.rstrip("/"), re.compile(path), on_answer
        self.app = Starlette(routes=[Route("/{rest:path}", self._proxy, methods=["GET", "POST", "PUT", "DELETE"])])

    async def _proxy(self, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.request(
                request.method,
                f"{self.upstream}{request.url.path}",
                params=request.url.query,
                content=await request.body(),
                headers=headers,
            )
        if self.path.search(request.url.path):
            await self.on_answer(request, answer)
        passed = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}}
        return Response(answer.content, status_code=answer.status_code, headers=passed)
