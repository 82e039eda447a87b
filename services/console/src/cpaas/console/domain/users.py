"""Console users: usernames and passwords an administrator may give them."""

import re

from cpaas.console.domain.errors import InvalidField

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
MIN_PASSWORD_CHARS = 8


def username(value: str) -> str:
    if not USERNAME.match(value):
        raise InvalidField("username", "username must be 3-64 letters, digits or _ . @ -")
    return value


def password(value: str) -> str:
    if len(value) < MIN_PASSWORD_CHARS:
        raise InvalidField("password", f"password must be at least {MIN_PASSWORD_CHARS} characters")
    return value
