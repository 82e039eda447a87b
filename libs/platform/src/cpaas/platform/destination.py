"""Where the platform may send a request that a customer chose the address of: the SSRF rule.

A webhook URL is typed by a customer, so without a rule the platform would POST into its
own network (the metadata service on 169.254.169.254, an admin port on 127.0.0.1, a
database on 10.x). The console applies this rule when a URL is saved and the webhooks
service again before every POST (a DNS answer may change in between), so both share this
one module:

- the URL must be http(s), with a host, a port in 1-65535, no credentials (not even an
  empty `@`) and no fragment;
- an IPv4 host in any of the forms resolvers and browsers accept (`0x7f.1`, `2130706433`,
  `0177.0.0.1`, `127.1`) is read as the address it denotes, as is an IPv4 address inside
  IPv6 (`[::ffff:127.0.0.1]`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`);
- every address the host resolves to must be public: loopback, private (RFC 1918,
  fc00::/7), link-local (169.254/16, fe80::/10), CGNAT (100.64/10), multicast,
  unspecified and reserved or otherwise non-global addresses are refused, unless the
  operator allows loopback (`allow_loopback`) or private, link-local and CGNAT ones
  (`allow_private`); multicast, unspecified and reserved ones never.

Pure functions except `resolve_host` (the system resolver). The URL is parsed with httpx,
the same parser that sends the request, so the rule and the sender never read a URL
differently.
"""

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_PRIVATE_V4 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_PRIVATE_V6 = (ipaddress.ip_network("fc00::/7"), ipaddress.ip_network("fec0::/10"))  # unique local, site-local
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
# a DNS name after IDNA (httpx gives the punycode form): letters, digits, hyphens, dots
_HOSTNAME = re.compile(
    r"^(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$"
)
_IPV4_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")


class DestinationPolicy(Protocol):
    allow_loopback: bool
    allow_private: bool


class DestinationError(Exception):
    """The URL cannot be used; the message says why, in words for the customer."""


class DestinationRefused(DestinationError):
    """The URL is or resolves to an address the rule refuses (no retry can help)."""


class DestinationUnresolved(DestinationError):
    """The host did not resolve (may be transient: the webhooks service retries it)."""


def _ipv4_part(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    return int(part, 8) if part.startswith("0") else int(part)


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host written the inet_aton way denotes, else None.

    One to four dot-separated parts, each decimal, octal (leading 0) or hex (0x); the last
    part fills the remaining bytes: `127.1` and `0x7f.1` are 127.0.0.1, `2130706433` too.
    A trailing dot is ignored (`127.0.0.1.`)."""
    parts = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.match(part) for part in parts):
        return None
    values = [_ipv4_part(part) for part in parts]
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (5 - len(values))):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def host_address(host: str) -> IPAddress | None:
    """The address an IP-literal host denotes (in any accepted form), else None (a name)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return legacy_ipv4(host)


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour is not None:
            return address.sixtofour
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
    if address.is_reserved or address == _BROADCAST or not address.is_global:
        return "reserved"  # documentation, benchmarking, Teredo, IPv4-compatible, ...
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


def refusal(host: str, address: IPAddress) -> str:
    """Why `address` (what `host` is or resolves to) is refused, in the customer's words."""
    if str(address) == host:
        where = f"{address} is"
    elif host_address(host) is not None:
        where = f"{host} is {address},"
    else:
        where = f"{host} resolves to {address},"
    return f"{where} a {address_category(address)} address, which is not allowed"


@dataclass(frozen=True)
class ParsedUrl:
    url: httpx.URL
    host: str  # without brackets for IPv6
    port: int
    address: IPAddress | None  # the host's address when the host is an IP literal (in any form)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.url.scheme] else f"{host}:{self.port}"


def _unparsable(url: str, exc: Exception, policy: DestinationPolicy | None) -> DestinationError:
    """httpx refuses some IPv4 forms (`0177.0.0.1`): name the address when it is one."""
    try:
        address = legacy_ipv4(urlsplit(url).hostname or "")
    except ValueError:
        address = None
    if address is not None and (policy is None or not address_allowed(address, policy)):
        return DestinationRefused(refusal(urlsplit(url).hostname or "", address))
    return DestinationError(f"not a valid URL: {exc}")


def parse_webhook_url(url: str, policy: DestinationPolicy | None = None) -> ParsedUrl:
    """The URL's parts, or DestinationError saying what is wrong with it; with `policy`, an
    IP-literal host it refuses raises DestinationRefused already here."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise DestinationError(f"the URL must be 1 to {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise _unparsable(url, exc, policy) from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise DestinationError("the URL must start with http:// or https://")
    if not parsed.host:
        raise DestinationError("the URL has no host")
    if parsed.userinfo or "@" in urlsplit(url).netloc:
        raise DestinationError("credentials in the URL are not supported; verify the signature instead")
    if parsed.fragment:
        raise DestinationError("the URL must not have a #fragment")
    port = DEFAULT_PORTS[parsed.scheme] if parsed.port is None else parsed.port
    if not 1 <= port <= 65535:
        raise DestinationError("the URL's port must be 1 to 65535")
    address = host_address(parsed.host)
    if address is None and not _HOSTNAME.match(parsed.host):
        raise DestinationError(f"the host {parsed.host!r} is not a valid host name")
    if address is not None and policy is not None and not address_allowed(address, policy):
        raise DestinationRefused(refusal(parsed.host, address))
    return ParsedUrl(parsed, parsed.host, port, address)


async def resolve_host(parsed: ParsedUrl) -> list[IPAddress]:
    """Every address the URL's host resolves to (an IP literal is its own address)."""
    if parsed.address is not None:
        return [parsed.address]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parsed.host, parsed.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationUnresolved(f"the host {parsed.host} does not resolve") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise DestinationUnresolved(f"the host {parsed.host} does not resolve")
    return addresses


async def checked_addresses(parsed: ParsedUrl, policy: DestinationPolicy) -> list[IPAddress]:
    """The host's addresses, all of them allowed; else DestinationRefused naming the first refused."""
    addresses = await resolve_host(parsed)
    for address in addresses:
        if not address_allowed(address, policy):
            raise DestinationRefused(refusal(parsed.host, address))
    return addresses


async def check_webhook_url(url: str, policy: DestinationPolicy) -> str | None:
    """None when requests may go to `url`, else a message for the user who typed it
    (a host that does not resolve is refused too: nothing could be sent to it)."""
    try:
        await checked_addresses(parse_webhook_url(url, policy), policy)
    except DestinationError as exc:
        return str(exc)
    return None
