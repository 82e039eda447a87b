"""Credentials: passwords (argon2id), API keys (random tokens stored as SHA-256), and the
random ids of login sessions and their CSRF tokens. Pure computation, no I/O.

An API key is 192 random bits, so a fast hash is safe for it and lets the gateway find
the account with one indexed lookup (or its cache) at thousands of requests a second;
passwords are low-entropy, so they get argon2id. A session id is stored as its SHA-256
too: a leaked sessions table opens no session.
"""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

API_KEY_PREFIX = "cpk_"
API_KEY_BYTES = 24
KEY_PREFIX_SHOWN = 10  # characters kept in clear to recognise a key in the UI
GENERATED_PASSWORD_BYTES = 12
SESSION_ID_BYTES = 32  # 256 random bits
CSRF_TOKEN_BYTES = 32

_hasher = PasswordHasher()
# verifying against a real hash for unknown usernames keeps their timing like known ones
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$yHYZ5n0iPs3xf7XutRSjRg$7X1fDZEovrr9GB8iPGawCS17pQKu7pJiKAAPKEYgWq4"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; with no hash (an unknown user) it costs the same
    check and is False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def hash_api_key(api_key: str) -> bytes:
    return hashlib.sha256(api_key.encode()).digest()


def new_api_key() -> tuple[str, str, bytes]:
    """(the key to show once, its displayable prefix, its hash to store)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(API_KEY_BYTES)
    return key, key[:KEY_PREFIX_SHOWN], hash_api_key(key)


def session_hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


def new_session() -> tuple[str, str]:
    """(a session id for the cookie, its CSRF token)."""
    return secrets.token_urlsafe(SESSION_ID_BYTES), secrets.token_urlsafe(CSRF_TOKEN_BYTES)


WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
WEBHOOK_SECRET_BYTES = 32
SECRET_CHARS_SHOWN = 4  # the end of a secret, shown to recognise it


def new_webhook_secret() -> str:
    """An account's webhook signing secret: 256 random bits."""
    return WEBHOOK_SECRET_PREFIX + secrets.token_urlsafe(WEBHOOK_SECRET_BYTES)


def mask_secret(secret: str) -> str:
    """A secret as Settings shows it once saved: its kind prefix and its last characters."""
    prefix = WEBHOOK_SECRET_PREFIX if secret.startswith(WEBHOOK_SECRET_PREFIX) else ""
    return prefix + "•" * 8 + secret[-SECRET_CHARS_SHOWN:]
