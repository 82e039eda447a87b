"""Passwords (argon2id) and API keys (random tokens stored as SHA-256).

An API key is 192 random bits, so a fast hash is safe for it and lets the gateway find
the account with one indexed lookup (or its cache) at thousands of requests a second;
passwords are low-entropy, so they get argon2id.
"""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

API_KEY_PREFIX = "cpk_"
API_KEY_BYTES = 24
KEY_PREFIX_SHOWN = 10  # characters kept in clear to recognise a key in the UI

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def hash_api_key(api_key: str) -> bytes:
    return hashlib.sha256(api_key.encode()).digest()


def new_api_key() -> tuple[str, str, bytes]:
    """(the key to show once, its displayable prefix, its hash to store)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(API_KEY_BYTES)
    return key, key[:KEY_PREFIX_SHOWN], hash_api_key(key)


def new_password() -> str:
    return secrets.token_urlsafe(12)
