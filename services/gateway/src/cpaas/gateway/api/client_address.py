"""The client's address, for the IP allow-list and the invalid-key throttle.

Each proxy appends the address it received the connection from to X-Forwarded-For, so
only the entries appended by our own proxies can be believed, and those are the
rightmost ones: with `trusted_proxies` = N, the client is the Nth entry from the right
(the address the outermost of our N proxies saw); everything left of it was written by
the client and is ignored. With N = 0 the header is ignored and the client is the TCP
peer. A header with fewer than N entries did not pass through all N proxies and is
ignored too (the peer is used, which an allow-list then refuses unless it lists the
proxy). Both the raw submit path and the FastAPI routes call `client_ip`.

This holds only if uvicorn itself does not rewrite the peer from the header: the
platform serves with `proxy_headers=False` (uvicorn's default trusts X-Forwarded-For
from 127.0.0.1 and takes the rightmost untrusted entry, which a client behind a local
proxy can choose).
"""

import ipaddress
from collections.abc import Iterable

FORWARDED_FOR = b"x-forwarded-for"
MAX_SHOWN_ADDRESS = 64  # characters of a (possibly garbage) address quoted in an error


def client_ip(scope: dict, trusted_proxies: int) -> str | None:
    """The client address of an ASGI request scope, under `trusted_proxies` proxies."""
    peer = scope.get("client")
    peer_ip = peer[0] if peer else None
    if trusted_proxies <= 0:
        return peer_ip
    entries = forwarded_entries(value for name, value in scope["headers"] if name == FORWARDED_FOR)
    if len(entries) < trusted_proxies:
        return peer_ip
    return _without_port(entries[-trusted_proxies])


def forwarded_entries(values: Iterable[bytes]) -> list[str]:
    """Every X-Forwarded-For header line, in order, as one list of non-empty entries."""
    return [entry.strip() for value in values for entry in value.decode("latin-1").split(",") if entry.strip()]


def _without_port(entry: str) -> str:
    """'203.0.113.7:4711' and '[2001:db8::1]:443' are addresses too (some proxies add ports)."""
    if entry.startswith("["):
        return entry[1:].partition("]")[0]
    host, sep, port = entry.rpartition(":")
    if sep and "." in host and port.isdigit():
        return host
    return entry


def shown(address: str | None) -> str:
    """An address as quoted in an error message: a garbage one is cut short."""
    text = address or "an unknown address"
    return text if len(text) <= MAX_SHOWN_ADDRESS else text[:MAX_SHOWN_ADDRESS] + "..."


def throttle_key(address: str | None) -> str:
    """What the invalid-key throttle counts by: the address, and for IPv6 its /64 (one
    subscriber's prefix: an attacker rotating through a /64 is still one address)."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "-"
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
