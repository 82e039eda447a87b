"""Where a receipt may be sent: the SSRF guard.

A webhook URL is typed by a customer, so without a guard the platform would POST into
its own network (the metadata service on 169.254.169.254, an admin port on 127.0.0.1,
a database on 10.x). A URL must be http(s) without credentials; its host is resolved
and every address it resolves to must be public: loopback, private (RFC 1918,
fc00::/7), link-local (169.254/16, fe80::/10), multicast, unspecified, CGNAT
(100.64/10) and reserved addresses are refused unless the operator allows loopback or
private ones. The POST then goes to the address that was checked (the URL's host is
kept in the Host header and TLS SNI), so a DNS answer that changes between the check
and the connection (rebinding) cannot steer it elsewhere.

`check_webhook_url(url, settings)` is what the console calls when a user saves a URL;
`DestinationGuard.resolve(url)` is what the dispatcher calls before each POST.
"""

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Protocol

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
REFUSED_MESSAGE = "destination not allowed"

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_PRIVATE_V4 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_PRIVATE_V6 = (ipaddress.ip_network("fc00::/7"), ipaddress.ip_network("fec0::/10"))  # unique local, site-local
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DestinationPolicy(Protocol):
    allow_loopback: bool
    allow_private: bool


class DestinationError(Exception):
    """The URL cannot be used; the message says why, in words for the customer."""


class DestinationRefused(DestinationError):
    """The URL resolves to an address the guard refuses (no retry can help)."""


class DestinationUnresolved(DestinationError):
    """The host did not resolve (may be transient: retried like a failed POST)."""


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_category(address: IPAddress) -> str | None:
    """Why an address is not public ("loopback", "private", ...), or None when it is."""
    embedded = _embedded_v4(address)
    if embedded is not None:
        return address_category(embedded)
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified or address in _THIS_NETWORK:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address in _CGNAT:
        return "cgnat"
    if any(address in net for net in (_PRIVATE_V4 if address.version == 4 else _PRIVATE_V6)):
        return "private"
    if address.is_reserved or address == ipaddress.IPv4Address("255.255.255.255"):
        return "reserved"
    return None


def address_allowed(address: IPAddress, policy: DestinationPolicy) -> bool:
    category = address_category(address)
    if category is None:
        return True
    if category == "loopback":
        return policy.allow_loopback
    if category in ("private", "link-local", "cgnat"):
        return policy.allow_private
    return False  # unspecified, multicast, reserved: never a receiver


@dataclass(frozen=True)
class ParsedUrl:
    url: httpx.URL
    host: str  # without brackets for IPv6
    port: int

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.url.scheme] else f"{host}:{self.port}"


def parse_webhook_url(url: str) -> ParsedUrl:
    """The URL's parts, or DestinationError saying what is wrong with it."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise DestinationError(f"the URL must be 1 to {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise DestinationError(f"not a valid URL: {exc}") from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise DestinationError("the URL must start with http:// or https://")
    if not parsed.host:
        raise DestinationError("the URL has no host")
    if parsed.userinfo:
        raise DestinationError("credentials in the URL are not supported; verify the signature instead")
    if parsed.fragment:
        raise DestinationError("the URL must not have a #fragment")
    return ParsedUrl(parsed, parsed.host, parsed.port or DEFAULT_PORTS[parsed.scheme])


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationUnresolved(f"the host {host} does not resolve") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise DestinationUnresolved(f"the host {host} does not resolve")
    return addresses


async def checked_addresses(parsed: ParsedUrl, policy: DestinationPolicy) -> list[IPAddress]:
    """The host's addresses, all of them allowed; else DestinationRefused naming the first refused."""
    addresses = await resolve_host(parsed.host, parsed.port)
    for address in addresses:
        if not address_allowed(address, policy):
            category = address_category(address)
            where = f"{parsed.host} resolves to {address}," if str(address) != parsed.host else f"{address} is"
            raise DestinationRefused(f"{where} a {category} address, which is not allowed")
    return addresses


async def check_webhook_url(url: str, settings: DestinationPolicy) -> str | None:
    """None when receipts may be POSTed to `url`, else a message for the user who typed it.

    For the console's Settings page: called when a user saves a webhook URL. `settings`
    is anything with `allow_loopback` and `allow_private` (e.g. WebhooksSettings).
    """
    try:
        await checked_addresses(parse_webhook_url(url), settings)
    except DestinationError as exc:
        return str(exc)
    return None


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
            parsed = parse_webhook_url(url)
            address = (await checked_addresses(parsed, self.policy))[0]
        except DestinationError as exc:
            return type(exc), str(exc)
        return Target(
            url=parsed.url.copy_with(host=str(address)),
            host_header=parsed.host_header,
            sni_hostname=parsed.host if parsed.url.scheme == "https" else None,
            address=address,
        )
