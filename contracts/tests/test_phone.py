"""The one phone-number rule every service uses."""

import pytest

from cpaas.contracts.phone import InvalidPhoneNumber, is_e164, normalize_e164, region_of


@pytest.mark.parametrize(
    "raw",
    ["+919876543210", "919876543210", " 919876543210", "+91 98765 43210", "+91-98765-43210", "0091 9876543210"],
)
def test_international_spellings_normalise_to_e164(raw: str) -> None:
    assert normalize_e164(raw) == "+919876543210"


@pytest.mark.parametrize(
    "raw", ["", "+", "9876543210x", "+91987654321", "+9198765432101234", "+1 555", "abc", "+91 98765 4321\x00", "9" * 80]
)
def test_what_is_not_a_valid_international_number_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_e164(raw)


def test_a_national_number_without_its_country_code_is_not_guessed() -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_e164("09876543210")


def test_region_and_e164_form() -> None:
    assert region_of("+919876543210") == "IN"
    assert region_of("+14155550100") == "US"
    assert region_of("+80012345678") is None  # international freephone: no region
    assert is_e164("+919876543210") and not is_e164("919876543210")


def test_the_calling_code_table_answers_what_parsing_answers():
    import phonenumbers

    from cpaas.contracts import phone

    samples = ["+919876543210", "+14155550100", "+12425551234", "+16135550100", "+447911123456", "+447781123456"]
    samples += ["+79161234567", "+77012345678", "+2348031234567", "+80012345678", "+971501234567", "+35312345678"]
    samples += ["+8613812345678", "+5511912345678", "+6281234567890", "+2901234", "+8821234567", "+99912345678"]
    for number in samples:
        parsed = phonenumbers.parse(number, None) if number[1:4] != "999" else None
        slow = phonenumbers.region_code_for_number(parsed) if parsed else None
        assert phone.region_of(number) == (None if slow in ("ZZ", "001") else slow), number
    assert phone.region_of("+12425551234") == "BS" and phone.region_of("+447781123456") == "GG"  # shared codes
