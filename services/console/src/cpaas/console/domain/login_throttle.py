"""Login throttling: which counters a login attempt is checked against, and how long a
counter makes the next attempt wait. No I/O; the counters live in `throttle_store`.

Three counters of failed logins, each forgotten `memory` after its last failure:

- the client address: a password sprayer tries many usernames from one address;
- the pair (address, username): a guesser tries one user's password from one address;
- the username, over every address: a guesser spreads one user's guesses over many
  addresses. This one applies only to addresses that have already failed for that
  username ("dirty" for it), so it slows a distributed guesser (each new address gets
  one free guess, then waits with the others) but never keeps the user out from an
  address of their own that has not failed for them.

A counter lets its first `free` failures through at once; from then on, each further
attempt must wait base x 2^(failures - free) seconds after the last failure, at most
`max_seconds` (exponential backoff; it is never a lock: the wait ends by itself). An
attempt that comes too early is answered 429 with Retry-After and not counted, so hammering
does not lengthen the wait. The counters are keyed by the typed username whether or not
such a user exists, so known and unknown usernames get the same answers.
"""

import ipaddress
from dataclasses import dataclass

ADDRESS, PAIR, USERNAME = "address", "pair", "username"


@dataclass(frozen=True)
class Backoff:
    free: int  # failures let through before any wait
    base_seconds: float
    max_seconds: float

    def wait_seconds(self, failures: int) -> float:
        """How long after the last of `failures` failures the next attempt must wait."""
        if failures < self.free:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2.0 ** min(failures - self.free, 64))


@dataclass(frozen=True)
class ThrottlePolicy:
    address: Backoff
    pair: Backoff
    username: Backoff
    memory_seconds: float  # a counter is forgotten this long after its last failure

    def backoff(self, scope: str) -> Backoff:
        return {ADDRESS: self.address, PAIR: self.pair, USERNAME: self.username}[scope]


@dataclass(frozen=True)
class LoginKeys:
    """The counters of one attempt, as store keys."""

    address: str
    pair: str
    username: str

    def scoped(self) -> dict[str, str]:
        return {ADDRESS: self.address, PAIR: self.pair, USERNAME: self.username}


def address_counted(address: str) -> str:
    """What the address counters count by: an IPv4 address, and for IPv6 its /64 (one
    subscriber's prefix: an attacker rotating through a /64 is still one address)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def login_keys(address: str, username: str) -> LoginKeys:
    # US (0x1f) separates the parts: it is neither in an address nor in a valid username
    counted = address_counted(address)
    return LoginKeys(f"a\x1f{counted}", f"p\x1f{counted}\x1f{username}", f"u\x1f{username}")
