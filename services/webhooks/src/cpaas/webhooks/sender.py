"""One signed POST of a receipt to its checked address, over a keep-alive pool per account.

Each account has its own httpx client (its own connection pool, sized to the account's
concurrency), so a receiver that hangs holds only its own connections; clients unused
for a while are closed. The POST is bounded by one overall deadline (connect to last
byte), redirects are not followed (a redirect could lead past the SSRF guard), and at
most MAX_RESPONSE_BYTES of the answer are read.
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


class ReceiptSender:
    def __init__(self, *, timeout: float, per_account_connections: int, idle_seconds: float) -> None:
        self.timeout = timeout
        self.per_account_connections = per_account_connections
        self.idle_seconds = idle_seconds
        self._ssl = ssl.create_default_context()  # one context for every client: building one is slow
        self._clients: dict[int, tuple[httpx.AsyncClient, list[float]]] = {}

    def _client(self, account_id: int) -> httpx.AsyncClient:
        entry = self._clients.get(account_id)
        if entry is None:
            limits = httpx.Limits(
                max_connections=self.per_account_connections,
                max_keepalive_connections=self.per_account_connections,
                keepalive_expiry=KEEPALIVE_SECONDS,
            )
            client = httpx.AsyncClient(
                limits=limits,
                timeout=httpx.Timeout(self.timeout),
                verify=self._ssl,
                follow_redirects=False,
                trust_env=False,  # never through a proxy from the environment: the guard checked this address
                headers={"User-Agent": USER_AGENT},
            )
            entry = self._clients[account_id] = (client, [0.0])
        entry[1][0] = time.monotonic()
        return entry[0]

    async def post(self, account_id: int, target: Target, body: bytes, headers: dict[str, str]) -> PostResult:
        """POST `body`; never raises for the receiver's failures, only reports them."""
        client = self._client(account_id)
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

    async def close_idle(self, in_use: set[int]) -> int:
        """Close the pools of accounts unused for `idle_seconds` and not in `in_use`."""
        cutoff = time.monotonic() - self.idle_seconds
        idle = [a for a, (_, used) in self._clients.items() if used[0] < cutoff and a not in in_use]
        for account_id in idle:
            client, _ = self._clients.pop(account_id)
            with contextlib.suppress(Exception):
                await client.aclose()
        return len(idle)

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client, _ in clients.values():
            with contextlib.suppress(Exception):
                await client.aclose()
