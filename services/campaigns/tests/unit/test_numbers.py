"""The fast path gives exactly the answers of the platform's phone rule."""

import random

import phonenumbers

from cpaas.campaigns.domain.numbers import fast_e164, to_e164
from cpaas.contracts.phone import InvalidPhoneNumber, normalize_e164


def _rule(raw: str) -> str | None:
    try:
        return normalize_e164(raw)
    except InvalidPhoneNumber:
        return None


def test_fast_path_agrees_with_the_phone_rule_on_random_numbers_of_every_country_code() -> None:
    rng = random.Random(21)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    fast = 0
    for i in range(60_000):
        code = 91 if i % 3 == 0 else rng.choice(codes)
        digits = str(code) + "".join(rng.choice("0123456789") for _ in range(rng.randint(3, 14)))
        raw = ("+" if i % 2 else "") + digits
        assert to_e164(raw) == _rule(raw), raw
        fast += fast_e164(raw) is not None
    assert fast > 40_000  # most canonical inputs take the fast path


def test_every_indian_four_digit_prefix_agrees() -> None:
    rng = random.Random(7)
    for prefix in range(1000, 10000):
        raw = f"+91{prefix}{rng.randrange(10**6):06d}"
        assert to_e164(raw) == _rule(raw), raw


def test_inputs_that_are_not_canonical_go_through_the_phone_rule() -> None:
    assert fast_e164("+91 98765 43210") is None
    assert fast_e164("0091 9876543210") is None
    assert to_e164("+91 98765-43210") == "+919876543210"
    assert to_e164("919876543210") == "+919876543210"
    assert to_e164("9876543210") is None  # no country code: never guessed
    assert to_e164("hello") is None
