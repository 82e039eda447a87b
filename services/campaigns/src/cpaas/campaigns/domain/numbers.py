"""Recipients of a campaign file: the platform's one phone rule (`cpaas.contracts.phone`),
with a faster path for the inputs a campaign file is mostly made of.

`normalize_e164` parses every number with phonenumbers (27 us a number here: 27 s for a
million rows). Most rows are already `+<digits>` (or the digits without the `+`); for
those this module splits off the country code itself and asks phonenumbers only
whether the number is valid (`is_valid_number` on a built PhoneNumber, ~8 us), which is
what `parse` would have led to as long as parsing could not have changed the national
number: no leading zero (Italian-style numbers keep it) and no national prefix the
country strips when parsing. Anything else goes through `normalize_e164` unchanged.
`tests/unit/test_numbers.py` holds both paths to the same answers on random numbers of
every country code, and bench/campaigns.py prints the two speeds.
"""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber

from cpaas.contracts.phone import InvalidPhoneNumber, normalize_e164

_CANONICAL = re.compile(r"\+?([1-9][0-9]{6,16})")
_MIN_NATIONAL, _MAX_NATIONAL = 2, 17  # digits phonenumbers accepts after the country code


@lru_cache(maxsize=1024)
def _strippable(country_code: int) -> re.Pattern[str] | bool | None:
    """The national prefix a country strips when parsing (a pattern), None when it has
    none, False when the code is not a country's (the slow path decides)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions:
        return False
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
    if metadata is None:
        return False
    prefix = metadata.national_prefix_for_parsing
    return re.compile(prefix) if prefix else None


def _split(digits: str) -> tuple[int, str] | None:
    """Country code and national number; country codes are prefix-free (1 to 3 digits)."""
    for length in (1, 2, 3):
        code = int(digits[:length])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[length:]
    return None


def fast_e164(raw: str) -> str | None:
    """E.164 of a canonical input when this path can decide it; '' when it is surely not
    a valid number; None when `normalize_e164` must decide."""
    match = _CANONICAL.fullmatch(raw)
    if match is None:
        return None
    digits = match.group(1)
    split = _split(digits)
    if split is None:
        return None
    code, national = split
    if not _MIN_NATIONAL <= len(national) <= _MAX_NATIONAL or national[0] == "0":
        return None
    strip = _strippable(code)
    if strip is False or (strip is not None and strip.match(national)):
        return None
    valid = phonenumbers.is_valid_number(PhoneNumber(country_code=code, national_number=int(national)))
    return "+" + digits if valid else ""


def to_e164(raw: str) -> str | None:
    """The recipient in E.164, or None when `raw` is not a valid international number."""
    fast = fast_e164(raw)
    if fast is not None:
        return fast or None
    try:
        return normalize_e164(raw)
    except InvalidPhoneNumber:
        return None
