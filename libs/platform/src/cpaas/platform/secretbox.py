"""Provider credentials (WABA access tokens, RBM bot secrets) encrypted at rest.

The console seals them before they reach PostgreSQL; the connectors open them when they
load a channel. Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under an
operator key, `CPAAS_<SERVICE>_SECRETS_KEY` (the same value for the console and the
connectors). A stored value reads `enc:v1:<token>`; anything else is a value written
before encryption, which `open` passes through and the console seals at its next start.
The key may be a Fernet key (urlsafe base64 of 32 bytes) or any passphrase, which is
stretched to one with SHA-256; the local default is refused in production like every
`local-dev-` secret.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc:v1:"
LOCAL_KEY = "local-dev-secrets-key"


class SecretError(ValueError):
    """A sealed value that this key cannot open (a wrong key, or tampering)."""


def _fernet_key(key: str) -> bytes:
    try:
        if len(base64.urlsafe_b64decode(key.encode())) == 32:
            return key.encode()
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())


class SecretBox:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(_fernet_key(key))

    def seal(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def open(self, stored: str) -> str:
        if not is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SecretError("a stored credential cannot be opened with this SECRETS_KEY") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
