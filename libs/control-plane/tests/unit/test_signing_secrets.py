"""Which secrets sign an account's receipts: the current one, and the one a rotation replaced
while its grace period lasts."""

from datetime import UTC, datetime, timedelta

from cpaas.control_plane import Account

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def account(**fields) -> Account:
    return Account(1, "Acme", "ACTIVE", (), None, "https://example.com/dlr", **fields)


def test_the_current_secret_then_the_previous_one_until_its_grace_ends():
    rotated = account(
        webhook_secret="whsec_new", webhook_secret_previous="whsec_old", webhook_secret_previous_until=NOW
    )
    assert rotated.signing_secrets(NOW - timedelta(seconds=1)) == ("whsec_new", "whsec_old")
    assert rotated.signing_secrets(NOW) == ("whsec_new",)  # the grace period is over


def test_no_secret_signs_nothing_and_one_secret_signs_alone():
    assert account().signing_secrets(NOW) == ()
    assert account(webhook_secret="whsec_only").signing_secrets(NOW) == ("whsec_only",)
    no_end = account(webhook_secret="whsec_new", webhook_secret_previous="whsec_old")
    assert no_end.signing_secrets(NOW) == ("whsec_new",)  # a previous secret without an end is not valid


def test_secrets_never_show_in_a_repr():
    text = repr(account(webhook_secret="whsec_new", webhook_secret_previous="whsec_old"))
    assert "whsec_" not in text
