"""A lean HTTP/1.1 keep-alive transport for receipts, behind httpx's transport interface.

httpx's default transport (httpcore over anyio) costs about 300 us of CPU per request
here, more than all the rest of a receipt's work together; this one, an asyncio
protocol with the httptools parser (the one uvicorn uses), costs a fraction of that, so
one process sends several times more receipts. It does only what a webhook POST needs:

- one connection per transport, one request at a time, reused while the server keeps it
  alive; a connection idle longer than `idle_expiry` is closed before reuse (shorter
  than the usual server keep-alive of 5 s, so the server rarely closes it under us);
- a reused connection that turns out closed before any byte of the answer came is
  replaced and the request sent once more (the receiver dedupes on `eventId`);
- TLS through asyncio with the given context, the certificate checked against the SNI
  host name of the request's `sni_hostname` extension;
- the answer's status (its headers are parsed, not kept); its body is read and
  discarded up to `max_response_bytes`, past which the connection is dropped.

It never follows redirects and sends exactly the request's headers. Failures raise
httpx's exceptions (ConnectError, ReadError, WriteError, RemoteProtocolError); the
caller bounds the time with a deadline, and a cancelled request closes its connection.
"""

import asyncio
import ssl
import time

import httptools
import httpx

MAX_HEADERS = 100
_EMPTY = httpx.ByteStream(b"")


class _Reused(Exception):
    """A reused connection was closed before any byte of the answer (safe to send again)."""


class _Connection(asyncio.Protocol):
    def __init__(self, max_response_bytes: int) -> None:
        self.max_response_bytes = max_response_bytes
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.keep_alive = False
        self.idle_since = time.monotonic()
        self._answer: asyncio.Future | None = None
        self._received = 0
        self._status = 0
        self._headers = 0  # how many the answer has (only counted: their values are of no use here)
        self._headers_done = False

    # -- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():  # bytes nobody asked for: the stream is out of step
            self.close()
            return
        self._received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed HTTP answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._answer is None or self._answer.done():
            return
        if self._headers_done:  # an answer delimited by the end of the connection
            self.keep_alive = False
            self._answer.set_result(self._status)
        elif self._received == 0:
            self._answer.set_exception(_Reused())
        else:
            self._answer.set_exception(httpx.ReadError("the connection closed in the middle of the answer"))

    # -- httptools callbacks ------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers += 1
        if self._headers > MAX_HEADERS:
            raise httptools.HttpParserError("too many headers")

    def on_headers_complete(self) -> None:
        self._status = self.parser.get_status_code()
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        if self._received > self.max_response_bytes:
            self.keep_alive = False
            self._complete()
            self.close()

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:  # an interim answer (100 Continue): the real one follows
            self._headers, self._headers_done = 0, False
            return
        self.keep_alive = self.parser.should_keep_alive()
        self._complete()

    # -- the exchange -------------------------------------------------------------------------
    def _complete(self) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(self._status)

    def _fail(self, error: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)
        self.close()

    async def exchange(self, request_bytes: bytes) -> int:
        """Send one request; the status of its answer."""
        self._answer = asyncio.get_running_loop().create_future()
        self._received, self._status, self._headers, self._headers_done = 0, 0, 0, False
        self.keep_alive = False
        try:
            self.transport.write(request_bytes)  # type: ignore[union-attr]
        except (OSError, RuntimeError) as exc:
            self.close()
            raise httpx.WriteError(str(exc) or type(exc).__name__) from exc
        try:
            return await self._answer
        except BaseException:
            self.close()  # cancelled or failed mid-answer: the connection's state is unknown
            raise
        finally:
            self._answer = None
            self.idle_since = time.monotonic()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def encode_request(request: httpx.Request) -> bytes:
    target = request.url.raw_path
    lines = [request.method.encode(), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in request.headers.raw:
        lines += (name, b": ", value, b"\r\n")
    lines.append(b"\r\n")
    return b"".join(lines) + request.content


class KeepAliveTransport(httpx.AsyncBaseTransport):
    """One keep-alive connection to one origin (the sender keeps one per connection slot)."""

    def __init__(self, *, ssl_context: ssl.SSLContext, idle_expiry: float, max_response_bytes: int) -> None:
        self.ssl_context = ssl_context
        self.idle_expiry = idle_expiry
        self.max_response_bytes = max_response_bytes
        self._connection: _Connection | None = None
        self._origin: tuple[str, str, int, str | None] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request_bytes = encode_request(request)
        connection, reused = await self._connection_for(request)
        try:
            status = await connection.exchange(request_bytes)
        except _Reused:
            if not reused:
                raise httpx.ReadError("the server closed the connection without answering") from None
            connection, _ = await self._connection_for(request)
            try:
                status = await connection.exchange(request_bytes)
            except _Reused:
                raise httpx.ReadError("the server closed the connection without answering") from None
        if not connection.keep_alive:
            connection.close()
        return httpx.Response(status, stream=_EMPTY, request=request)

    async def _connection_for(self, request: httpx.Request) -> tuple[_Connection, bool]:
        url = request.url
        sni = (request.extensions.get("sni_hostname") or url.host) if url.scheme == "https" else None
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80), sni)
        current = self._connection
        if (
            current is not None
            and not current.closed
            and self._origin == origin
            and time.monotonic() - current.idle_since < self.idle_expiry
        ):
            return current, True
        if current is not None:
            current.close()
        self._connection, self._origin = None, origin
        self._connection = await self._connect(origin)
        return self._connection, False

    async def _connect(self, origin: tuple[str, str, int, str | None]) -> _Connection:
        scheme, host, port, sni = origin
        loop = asyncio.get_running_loop()
        tls = {"ssl": self.ssl_context, "server_hostname": sni} if scheme == "https" else {}
        try:
            _, connection = await loop.create_connection(
                lambda: _Connection(self.max_response_bytes), host, port, **tls
            )
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return connection

    async def aclose(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
