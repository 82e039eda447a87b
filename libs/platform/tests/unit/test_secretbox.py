import pytest
from cryptography.fernet import Fernet

from cpaas.platform.secretbox import SecretBox, SecretError, is_sealed


def test_a_sealed_credential_opens_with_its_key_only() -> None:
    box = SecretBox("an operator passphrase")
    sealed = box.seal("EAAG-token-123")
    assert is_sealed(sealed) and "EAAG" not in sealed
    assert box.seal("EAAG-token-123") != sealed  # a fresh IV each time
    assert box.open(sealed) == "EAAG-token-123"
    with pytest.raises(SecretError):
        SecretBox("another key").open(sealed)


def test_a_fernet_key_is_used_as_it_is_and_plaintext_passes_through() -> None:
    key = Fernet.generate_key().decode()
    sealed = SecretBox(key).seal("bot-secret")
    assert Fernet(key.encode()).decrypt(sealed.removeprefix("enc:v1:").encode()) == b"bot-secret"
    assert SecretBox(key).open("written-before-encryption") == "written-before-encryption"
