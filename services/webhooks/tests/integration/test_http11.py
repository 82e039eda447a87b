"""The keep-alive transport against real servers on loopback: uvicorn (h11 and httptools),
and scripted servers that answer in the awkward ways real receivers do."""

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cpaas.webhooks.http11 import KeepAliveTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


def transport(**overrides) -> KeepAliveTransport:
    options = {"ssl_context": ssl.create_default_context(), "idle_expiry": 4.0, "max_response_bytes": 64 * 1024}
    return KeepAliveTransport(**{**options, **overrides})


async def post(t: KeepAliveTransport, url: str, body: bytes = b'{"a": 1}', **extensions) -> httpx.Response:
    request = httpx.Request("POST", url, content=body, headers={"Content-Type": "application/json"})
    request.extensions.update(extensions)
    return await t.handle_async_request(request)


class Scripted:
    """A raw TCP server running `handler` per connection; counts connections."""

    def __init__(self, handler: Handler) -> None:
        self.handler, self.connections, self.server = handler, 0, None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(ConnectionError):
            await self.handler(reader, writer)
        writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"


@contextlib.asynccontextmanager
async def scripted(handler: Handler) -> AsyncIterator[Scripted]:
    server = Scripted(handler)
    server.server = await asyncio.start_server(server._serve, "127.0.0.1", 0)
    try:
        yield server
    finally:
        server.server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return head + await reader.readexactly(length)


async def answer_each(reader, writer, *answers: bytes) -> None:
    for answer in answers:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()


@contextlib.asynccontextmanager
async def uvicorn_server(http: str, **ssl_options) -> AsyncIterator[tuple[str, list]]:
    peers: list = []

    async def hook(request: Request) -> Response:
        peers.append(request.client.port)
        return Response(f"got {len(await request.body())}", status_code=201)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        Starlette(routes=[Route("/hook", hook, methods=["POST"])]),
        http=http,
        log_config=None,
        lifespan="off",
        timeout_graceful_shutdown=1,
        **ssl_options,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    scheme = "https" if ssl_options else "http"
    try:
        yield f"{scheme}://127.0.0.1:{sock.getsockname()[1]}/hook", peers
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.mark.parametrize("http", ["h11", "httptools"])
async def test_requests_reuse_one_connection_with_uvicorn(http):
    t = transport()
    async with uvicorn_server(http) as (url, peers):
        statuses = [(await post(t, url)).status_code for _ in range(5)]
        await t.aclose()
    assert statuses == [201] * 5
    assert len(set(peers)) == 1  # one client port: one keep-alive connection


async def test_chunked_answer_keeps_the_connection():
    chunked = b"HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n4\r\nfail\r\n0\r\n\r\n"
    async with scripted(lambda r, w: answer_each(r, w, chunked, OK)) as server:
        t = transport()
        assert (await post(t, server.url)).status_code == 500
        assert (await post(t, server.url)).status_code == 200
    assert server.connections == 1


async def test_answer_delimited_by_close_and_connection_close_open_a_new_connection():
    until_close = b"HTTP/1.0 202 Accepted\r\n\r\nbody until the end"
    closing = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n"

    async def handler(reader, writer):
        await answer_each(reader, writer, until_close if server.connections == 1 else closing)

    async with scripted(handler) as server:
        t = transport()
        assert (await post(t, server.url)).status_code == 202
        assert (await post(t, server.url)).status_code == 204
        assert (await post(t, server.url)).status_code == 204
    assert server.connections == 3


async def test_idle_connection_closed_by_the_server_is_not_reused():
    async def handler(reader, writer):
        await answer_each(reader, writer, OK)  # then close, as a server's keep-alive timeout would

    async with scripted(handler) as server:
        t = transport()
        assert (await post(t, server.url)).status_code == 200
        await asyncio.sleep(0.05)
        assert (await post(t, server.url)).status_code == 200
    assert server.connections == 2


async def test_reused_connection_closed_before_answering_is_replaced_and_the_request_sent_again():
    requests = []

    async def handler(reader, writer):
        requests.append(await read_request(reader))
        writer.write(OK)
        if server.connections == 1:
            requests.append(await read_request(reader))  # the second request: closed unanswered
            return

    async with scripted(handler) as server:
        t = transport()
        assert (await post(t, server.url, b"1")).status_code == 200
        assert (await post(t, server.url, b"2")).status_code == 200
    assert server.connections == 2
    assert [r[-1:] for r in requests] == [b"1", b"2", b"2"]


async def test_fresh_connection_closed_without_an_answer_is_an_error_not_a_loop():
    async def handler(reader, writer):
        await read_request(reader)

    async with scripted(handler) as server:
        with pytest.raises(httpx.ReadError):
            await post(transport(), server.url)
    assert server.connections == 1


async def test_malformed_answer_is_a_protocol_error():
    async with scripted(lambda r, w: answer_each(r, w, b"SMTP ready\r\n\r\n")) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await post(transport(), server.url)


async def test_interim_100_continue_is_skipped():
    answer = b"HTTP/1.1 100 Continue\r\n\r\n" + OK
    async with scripted(lambda r, w: answer_each(r, w, answer)) as server:
        assert (await post(transport(), server.url)).status_code == 200


async def test_oversized_answer_is_cut_and_its_connection_dropped():
    big = b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n" + b"x" * 100_000

    async def handler(reader, writer):
        await answer_each(reader, writer, big, OK)

    async with scripted(handler) as server:
        t = transport(max_response_bytes=1000)
        assert (await post(t, server.url)).status_code == 200
        assert (await post(t, server.url)).status_code == 200
    assert server.connections == 2


async def test_a_request_cut_off_by_a_deadline_closes_its_connection():
    async def handler(reader, writer):
        await read_request(reader)
        if server.connections == 1:
            await asyncio.sleep(5)  # never answers in time
        else:
            writer.write(OK)
            await writer.drain()
            await asyncio.sleep(1)

    async with scripted(handler) as server:
        t = transport()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await post(t, server.url)
        assert (await post(t, server.url)).status_code == 200
    assert server.connections == 2


async def test_refused_connection_is_a_connect_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(httpx.ConnectError):
        await post(transport(), f"http://127.0.0.1:{port}/hook")


@pytest.fixture(scope="module")
def localhost_certificate(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_tls_to_a_pinned_address_checks_the_certificate_against_the_sni_name(localhost_certificate):
    cert, key = localhost_certificate
    context = ssl.create_default_context(cafile=str(cert))
    async with uvicorn_server("h11", ssl_certfile=str(cert), ssl_keyfile=str(key)) as (url, _):
        assert url.startswith("https://127.0.0.1:")
        t = transport(ssl_context=context)
        assert (await post(t, url, sni_hostname="localhost")).status_code == 201
        assert (await post(t, url, sni_hostname="localhost")).status_code == 201
        await t.aclose()
        with pytest.raises(httpx.ConnectError):
            await post(transport(ssl_context=context), url, sni_hostname="evil.example")
        with pytest.raises(httpx.ConnectError):  # no SNI name: the IP is not in the certificate
            await post(transport(ssl_context=context), url)
