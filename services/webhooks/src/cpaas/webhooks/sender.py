"""One signed POST of a receipt to its checked address, over keep-alive connections of
each account's own.

An account has at most its concurrency of connections, so a receiver that hangs holds
only its own. Each connection is an httpx transport limited to one connection, kept in
the account's free list while idle (most recently used first); the accounts' lists are
closed after a while unused. The transport is `KeepAliveTransport` (cpaas.webhooks.
http11), or httpx's default one (httpcore) when the setting asks for it: both speak
httpx's transport interface, and the default one costs several times more CPU per
request (and its shared pool walks every connection, with a syscall each, on every
request, hence one connection per transport).

The POST is bounded by one overall deadline (connect to last byte), redirects are not
followed (a redirect could lead past the SSRF guard), and at most MAX_RESPONSE_BYTES of
the answer are read.
"""

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from cpaas.webhooks.destination import Target
from cpaas.webhooks.http11 import KeepAliveTransport

MAX_RESPONSE_BYTES = 64 * 1024  # read past this and the connection is dropped, not reused
KEEPALIVE_SECONDS = 4.0  # below the common server keep-alive (5 s), so the server rarely closes first
USER_AGENT = "cpaas-webhooks/1.0"


@dataclass(frozen=True, slots=True)
class PostResult:
    status_code: int | None
    error: str | None  # None on a 2xx
    outcome: str  # ok, http_error, timeout or network_error (the attempts metric's label)

    @property
    def ok(self) -> bool:
        return self.error is None


def _error_for_status(code: int) -> str | None:
    if 200 <= code < 300:
        return None
    if 300 <= code < 400:
        return f"HTTP {code} (redirects are not followed)"
    return f"HTTP {code}"


class _AccountConnections:
    __slots__ = ("idle", "in_use", "last_used")

    def __init__(self) -> None:
        self.idle: list[httpx.AsyncBaseTransport] = []
        self.in_use = 0
        self.last_used = time.monotonic()


def transport_factory(kind: str, ssl_context: ssl.SSLContext) -> Callable[[], httpx.AsyncBaseTransport]:
    """A maker of one-connection transports: "keepalive" (ours) or "httpcore" (httpx's default)."""
    if kind == "keepalive":
        return lambda: KeepAliveTransport(
            ssl_context=ssl_context, idle_expiry=KEEPALIVE_SECONDS, max_response_bytes=MAX_RESPONSE_BYTES
        )
    if kind == "httpcore":
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_SECONDS)
        return lambda: httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits)
    raise ValueError(f"unknown HTTP transport {kind!r}")


class ReceiptSender:
    def __init__(self, *, timeout: float, idle_seconds: float, transport: str = "keepalive") -> None:
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self._new_transport = transport_factory(transport, ssl.create_default_context())
        self._accounts: dict[int, _AccountConnections] = {}

    async def post(self, account_id: int, target: Target, body: bytes, headers: dict[str, str]) -> PostResult:
        """POST `body`; never raises for the receiver's failures, only reports them.

        The caller bounds how many POSTs of one account run at once (the dispatcher's
        per-account limit), which bounds that account's connections.
        """
        connections = self._accounts.get(account_id)
        if connections is None:
            connections = self._accounts[account_id] = _AccountConnections()
        transport = connections.idle.pop() if connections.idle else self._new_transport()
        connections.in_use += 1
        try:
            return await self._post(transport, target, body, headers)
        finally:
            connections.in_use -= 1
            connections.last_used = time.monotonic()
            connections.idle.append(transport)

    async def _post(
        self, transport: httpx.AsyncBaseTransport, target: Target, body: bytes, headers: dict[str, str]
    ) -> PostResult:
        request = httpx.Request(
            "POST",
            target.url,
            content=body,
            headers={**headers, "Host": target.host_header, "User-Agent": USER_AGENT},
            extensions={"sni_hostname": target.sni_hostname} if target.sni_hostname else None,
        )
        try:
            async with asyncio.timeout(self.timeout):
                response = await transport.handle_async_request(request)
                try:
                    received = 0
                    async for chunk in response.aiter_raw():
                        received += len(chunk)
                        if received > MAX_RESPONSE_BYTES:
                            break
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return PostResult(None, f"timeout after {self.timeout:g} s", "timeout")
        except httpx.HTTPError as exc:
            detail = str(exc)
            error = (f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)[:500]
            return PostResult(None, error, "network_error")
        error = _error_for_status(response.status_code)
        return PostResult(response.status_code, error, "http_error" if error else "ok")

    async def close_idle(self) -> int:
        """Close the connections of accounts with none in use for `idle_seconds`."""
        cutoff = time.monotonic() - self.idle_seconds
        idle = [a for a, c in self._accounts.items() if c.in_use == 0 and c.last_used < cutoff]
        for account_id in idle:
            await self._close(self._accounts.pop(account_id).idle)
        return len(idle)

    async def aclose(self) -> None:
        accounts, self._accounts = self._accounts, {}
        for connections in accounts.values():
            await self._close(connections.idle)

    @staticmethod
    async def _close(transports: list[httpx.AsyncBaseTransport]) -> None:
        for transport in transports:
            with contextlib.suppress(Exception):
                await transport.aclose()
