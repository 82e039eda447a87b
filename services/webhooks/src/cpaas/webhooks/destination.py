"""Where a receipt may be sent: the dispatcher's side of the SSRF rule.

The rule itself (which URLs and addresses are refused) is `cpaas.platform.destination`,
shared with the console, which applies it when a user saves a URL. Before each POST the
dispatcher applies it again through `DestinationGuard.resolve(url)` (DNS may have changed
since the URL was saved), and the POST then goes to the address that was checked (the
URL's host is kept in the Host header and TLS SNI), so a DNS answer that changes between
the check and the connection (rebinding) cannot steer it elsewhere.
"""

import time
from dataclasses import dataclass

import httpx

from cpaas.platform.destination import (
    DestinationError,
    DestinationPolicy,
    IPAddress,
    checked_addresses,
    parse_webhook_url,
)

REFUSED_MESSAGE = "destination not allowed"


@dataclass(frozen=True)
class Target:
    """Where one POST goes: the checked address, with the URL's host kept for Host and SNI."""

    url: httpx.URL  # the URL with its host replaced by the checked address
    host_header: str
    sni_hostname: str | None  # https only
    address: IPAddress


class DestinationGuard:
    """Resolves and checks webhook URLs before each POST, keeping each answer briefly."""

    def __init__(self, policy: DestinationPolicy, *, cache_seconds: float) -> None:
        self.policy = policy
        self.cache_seconds = cache_seconds
        # an error is kept as its class and message, and raised anew each time
        self._cache: dict[str, tuple[float, Target | tuple[type[DestinationError], str]]] = {}

    async def resolve(self, url: str) -> Target:
        """The target of `url`; raises DestinationRefused, DestinationUnresolved or DestinationError."""
        now = time.monotonic()
        cached = self._cache.get(url)
        if cached is not None and cached[0] > now:
            result = cached[1]
        else:
            result = await self._resolve(url)
            if len(self._cache) > 10_000:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            self._cache[url] = (now + self.cache_seconds, result)
        if isinstance(result, tuple):
            error_class, message = result
            raise error_class(message)
        return result

    async def _resolve(self, url: str) -> Target | tuple[type[DestinationError], str]:
        try:
            parsed = parse_webhook_url(url, self.policy)
            address = (await checked_addresses(parsed, self.policy))[0]
        except DestinationError as exc:
            return type(exc), str(exc)
        return Target(
            url=parsed.url.copy_with(host=str(address)),
            host_header=parsed.host_header,
            sni_hostname=parsed.host if parsed.url.scheme == "https" else None,
            address=address,
        )
