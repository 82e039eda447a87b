"""An account's own settings: its name, its time zone and the IP allow-list of its API key. (Webhook URLs
are checked by cpaas.platform.destination, which resolves the host.)"""

import ipaddress
import zoneinfo
from functools import cache

from cpaas.console.domain.errors import InvalidField

MAX_ACCOUNT_NAME_CHARS = 100
MAX_ALLOWLIST_ENTRIES = 100


def account_name(value: str) -> str:
    """A new account's name, trimmed; 1-100 characters."""
    name = value.strip()
    if not name:
        raise InvalidField("accountName", "give accountId or a new accountName")
    if len(name) > MAX_ACCOUNT_NAME_CHARS:
        raise InvalidField("accountName", f"at most {MAX_ACCOUNT_NAME_CHARS} characters")
    return name


def ip_allowlist(entries: list[str]) -> list[str]:
    """IP addresses and CIDR ranges, or "*" for every address; blank entries are dropped,
    the rest written canonically (a range by its network address)."""
    cleaned = [e.strip() for e in entries if e.strip()]
    if len(cleaned) > MAX_ALLOWLIST_ENTRIES:
        raise InvalidField("entries", f"at most {MAX_ALLOWLIST_ENTRIES} entries")
    return [_allowed(index, entry) for index, entry in enumerate(cleaned)]


def _allowed(index: int, entry: str) -> str:
    if entry == "*":
        return entry
    try:
        return str(ipaddress.ip_network(entry, strict=False)) if "/" in entry else str(ipaddress.ip_address(entry))
    except ValueError:
        raise InvalidField(f"entries.{index}", f"{entry!r} is not an IP address, a CIDR range or *") from None


DEFAULT_TIME_ZONE = "Asia/Kolkata"
MAX_TIME_ZONE_CHARS = 64


def time_zone(value: str | None) -> str:
    """An IANA time zone name (Asia/Kolkata, Europe/Berlin, UTC), as the tz database spells
    it; None or blank: the default. Names are checked against the zones zoneinfo knows, not
    opened as paths, so `../etc` is just an unknown name."""
    name = (value or "").strip() or DEFAULT_TIME_ZONE
    if len(name) > MAX_TIME_ZONE_CHARS or name not in _known_zones():
        raise InvalidField("timeZone", f"{name[:MAX_TIME_ZONE_CHARS]!r} is not an IANA time zone (e.g. Asia/Kolkata)")
    return name


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
