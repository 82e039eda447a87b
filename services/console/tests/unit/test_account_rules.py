"""The rules of an account's own screens: sender IDs and PE IDs, RCS bot requests, the
blacklist (the platform's phone rule), the IP allow-list and new account names."""

import pytest

from cpaas.console.domain import accounts, blacklist, channels, sender_ids
from cpaas.console.domain.errors import InvalidField


def refused(call, *args) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize("value", ["CPAASD", "A", "ABCDEFGHIJK", "Shop42"])
def test_a_sender_id_of_up_to_11_letters_or_digits_is_accepted(value):
    assert sender_ids.sender_id(value) == value


@pytest.mark.parametrize("value", ["", "ABCDEFGHIJKL", "MY BRAND", "shop-1"])
def test_any_other_sender_id_is_refused(value):
    assert refused(sender_ids.sender_id, value).field == "senderId"


def test_a_pe_id_is_digits_only():
    assert sender_ids.pe_id("1101456789012345678") == "1101456789012345678"
    assert refused(sender_ids.pe_id, "1101-4567").field == "peId"
    assert refused(sender_ids.pe_id, "").field == "peId"


def test_a_bot_display_name_is_trimmed_and_1_to_100_characters():
    assert channels.bot_display_name("  Shop Bot ") == "Shop Bot"
    assert refused(channels.bot_display_name, "   ").field == "displayName"
    assert refused(channels.bot_display_name, "x" * 101).field == "displayName"


def test_a_bot_handle_is_3_to_64_lowercase_letters_digits_or_punctuation():
    assert channels.bot_handle("shop-bot.v2_1") == "shop-bot.v2_1"
    for bad in ("ab", "Shop", "shop bot", "x" * 65):
        assert refused(channels.bot_handle, bad).field == "handle"


@pytest.mark.parametrize(
    "written",
    ["+919876543210", "919876543210", "00919876543210", "+91 98765-43210", "+91 (98765) 43.210"],
)
def test_a_blacklisted_number_is_read_by_the_shared_phone_rule_and_stored_in_e164(written):
    # the console's own rule required a leading '+'; the platform's rule (cpaas.contracts.phone)
    # also takes the digits without it, '00' and separators, as the gateway does when it checks
    assert blacklist.recipient(written) == "+919876543210"


@pytest.mark.parametrize("written", ["12345", "+91987654321099", "9876543210x", "", "+1 555 0000", "+"])
def test_a_number_that_is_not_a_valid_international_one_is_refused(written):
    error = refused(blacklist.recipient, written)
    assert error.field == "recipient" and "international format" in error.message


def test_an_allow_list_keeps_addresses_ranges_and_star_canonically_and_drops_blanks():
    written = [" 203.0.113.7 ", "", "10.1.2.3/16", "2001:db8::1", "*"]
    assert accounts.ip_allowlist(written) == ["203.0.113.7", "10.1.0.0/16", "2001:db8::1", "*"]
    assert accounts.ip_allowlist([]) == []


def test_an_allow_list_entry_that_is_no_address_is_refused_by_its_position():
    error = refused(accounts.ip_allowlist, ["203.0.113.7", "  ", "10.0.0.300"])
    assert error.field == "entries.1" and "'10.0.0.300' is not an IP address" in error.message


def test_an_allow_list_has_at_most_100_entries():
    assert len(accounts.ip_allowlist(["10.0.0.1"] * 100)) == 100
    assert refused(accounts.ip_allowlist, ["10.0.0.1"] * 101).field == "entries"


def test_a_new_account_needs_a_name_of_at_most_100_characters():
    assert accounts.account_name("  Acme  ") == "Acme"
    assert refused(accounts.account_name, " ").message == "give accountId or a new accountName"
    assert refused(accounts.account_name, "x" * 101).field == "accountName"
