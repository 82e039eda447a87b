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
