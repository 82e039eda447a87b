"""Credentials (domain/credentials.py): password hashing, API keys, session ids."""

from cpaas.console.domain import credentials


def test_a_password_verifies_against_its_own_hash_only():
    stored = credentials.hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert credentials.verify_password(stored, "correct horse")
    assert not credentials.verify_password(stored, "wrong horse")


def test_no_hash_or_a_broken_one_never_verifies():
    assert not credentials.verify_password(None, "anything")
    assert not credentials.verify_password("not-a-hash", "anything")


def test_an_api_key_is_shown_once_and_stored_as_its_sha256():
    key, prefix, digest = credentials.new_api_key()
    assert key.startswith(credentials.API_KEY_PREFIX) and len(key) == 4 + 32
    assert prefix == key[: credentials.KEY_PREFIX_SHOWN]
    assert digest == credentials.hash_api_key(key) and len(digest) == 32
    assert credentials.new_api_key()[0] != key


def test_a_session_has_a_random_id_and_csrf_token_and_is_stored_by_hash():
    session_id, csrf = credentials.new_session()
    assert len(session_id) >= 43 and len(csrf) >= 43 and session_id != csrf
    assert credentials.session_hash(session_id) != session_id.encode()
    assert len(credentials.session_hash(session_id)) == 32


def test_a_generated_password_passes_the_password_rule():
    assert len(credentials.new_password()) >= 8
