"""An account's RCS bot request: its display name and handle."""

import re

from cpaas.console.domain.errors import InvalidField

RCS_HANDLE = re.compile(r"^[a-z0-9_.-]{3,64}$")
MAX_DISPLAY_NAME_CHARS = 100


def bot_display_name(value: str) -> str:
    """Trimmed; 1-100 characters."""
    name = value.strip()
    if not 1 <= len(name) <= MAX_DISPLAY_NAME_CHARS:
        raise InvalidField("displayName", f"displayName must be 1-{MAX_DISPLAY_NAME_CHARS} characters")
    return name


def bot_handle(value: str) -> str:
    if not RCS_HANDLE.match(value):
        raise InvalidField("handle", "handle must be 3-64 of a-z 0-9 _ . -")
    return value


PROVIDER_ID = re.compile(r"^[0-9]{1,30}$")  # Meta's WABA and phone-number ids are numeric
MAX_ACCESS_TOKEN_CHARS = 1000
WABA_STATUSES = ("ACTIVE", "INACTIVE")


def provider_id(value: str, field: str) -> str:
    """A WABA id or a phone-number id as Meta issues them: 1-30 digits."""
    value = value.strip()
    if not PROVIDER_ID.match(value):
        raise InvalidField(field, f"{field} must be the provider's numeric id (1-30 digits)")
    return value


def access_token(value: str) -> str:
    """The number's Cloud API access token: not blank, no whitespace inside, bounded."""
    value = value.strip()
    if not value or len(value) > MAX_ACCESS_TOKEN_CHARS or any(c.isspace() for c in value):
        raise InvalidField("accessToken", f"accessToken must be 1-{MAX_ACCESS_TOKEN_CHARS} characters, no spaces")
    return value


def waba_display_name(value: str | None) -> str:
    """Trimmed; at most 100 characters (blank: none)."""
    name = (value or "").strip()
    if len(name) > MAX_DISPLAY_NAME_CHARS:
        raise InvalidField("displayName", f"displayName must be at most {MAX_DISPLAY_NAME_CHARS} characters")
    return name
