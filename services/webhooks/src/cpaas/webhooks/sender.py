"""One signed POST of a receipt to its checked address, over a keep-alive pool per account.

Each account has its own keep-alive connections, at most its concurrency, so a receiver
that hangs holds only its own; an account's connections unused for a while are closed.
A connection is an httpx client limited to one connection, kept in the account's
free list while idle (most recently used first): httpcore's shared pool walks every
connection of the pool, with a readability syscall on each, for every request and
response, which at a few dozen connections costs more than the request itself.

The POST is bounded by one overall deadline (connect to last byte), redirects are not
followed (a redirect could lead past the SSRF guard), and at most MAX_RESPONSE_BYTES of
the answer are read.
"""

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass

import httpx

from cpaas.webhooks.destination import Target

MAX_RESPONSE_BYTES = 64 * 1024  # read past this and the connection is dropped, not reused
KEEPALIVE_SECONDS = 30.0
USER_AGENT = "cpaas-webhooks/1.0"


@dataclass(frozen=True, slots=True)
class PostResult:
    status_code: int | None
    error: str | None  # None on a 2xx

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
        self.idle: list[httpx.AsyncClient] = []
        self.in_use = 0
        self.last_used = time.monotonic()


class ReceiptSender:
    def __init__(self, *, timeout: float, idle_seconds: float) -> None:
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self._ssl = ssl.create_default_context()  # one context for every client: building one is slow
        self._limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_SECONDS)
        self._accounts: dict[int, _AccountConnections] = {}

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            limits=self._limits,
            timeout=httpx.Timeout(self.timeout),
            verify=self._ssl,
            follow_redirects=False,
            trust_env=False,  # never through a proxy from the environment: the guard checked this address
            headers={"User-Agent": USER_AGENT},
        )

    async def post(self, account_id: int, target: Target, body: bytes, headers: dict[str, str]) -> PostResult:
        """POST `body`; never raises for the receiver's failures, only reports them.

        The caller bounds how many POSTs of one account run at once (the dispatcher's
        per-account limit), which bounds that account's connections.
        """
        connections = self._accounts.get(account_id)
        if connections is None:
            connections = self._accounts[account_id] = _AccountConnections()
        client = connections.idle.pop() if connections.idle else self._new_client()
        connections.in_use += 1
        try:
            return await self._post(client, target, body, headers)
        finally:
            connections.in_use -= 1
            connections.last_used = time.monotonic()
            connections.idle.append(client)

    async def _post(
        self, client: httpx.AsyncClient, target: Target, body: bytes, headers: dict[str, str]
    ) -> PostResult:
        extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
        try:
            async with asyncio.timeout(self.timeout):
                async with client.stream(
                    "POST",
                    target.url,
                    content=body,
                    headers={**headers, "Host": target.host_header},
                    extensions=extensions,
                ) as response:
                    received = 0
                    async for chunk in response.aiter_raw():
                        received += len(chunk)
                        if received > MAX_RESPONSE_BYTES:
                            break
                    return PostResult(response.status_code, _error_for_status(response.status_code))
        except (TimeoutError, httpx.TimeoutException):
            return PostResult(None, f"timeout after {self.timeout:g} s")
        except httpx.HTTPError as exc:
            detail = str(exc)
            return PostResult(None, (f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)[:500])

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
    async def _close(clients: list[httpx.AsyncClient]) -> None:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()
