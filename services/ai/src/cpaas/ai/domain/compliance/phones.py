"""CHECK-4: phone numbers in the body, validated with phonenumbers plus the DLT portals'
Indian formats (DOMAIN-NOTES): a mobile is 10 digits starting 6-9, optionally after 91 or
0; a landline is 10 digits with its STD code, optionally after a 0; toll-free numbers start
1800 or 1860 and have 8-11 digits; the 140 and 160 series have 10 digits. SMS short codes
(`SMS STOP to 56161`) are not phone numbers.

A digit run counts as a phone number only where the text says so (call, dial, WhatsApp,
helpline, number, ...) or where it looks like one by itself (+, 0 or 91 in front, or ten
digits); amounts, references, dates and OTPs are left alone."""

import re

import phonenumbers

from cpaas.ai.domain.compliance.findings import Finding
from cpaas.ai.domain.compliance.text import Message

CANDIDATE = re.compile(r"(?<![\w#/.@=₹$-])(\+?\d[\d\s().-]{2,20}\d)(?![\w/]|[.,]\d)")
URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*", re.IGNORECASE)
PHONE_CUE = re.compile(
    r"(?:call|dial|phone|mobile|tel|contact|helpline|customer care|whatsapp|reach|missed call|number|"
    r"toll[- ]free|support|ph|mob|office|कॉल|फ़ोन|फोन|नंबर|संपर्क|sampark)[^\d\n]{0,30}$",
    re.IGNORECASE,
)
NOT_PHONE_CUE = re.compile(
    r"(?:rs|inr|usd|gbp|amount|ref|txn|id|no|order|awb|pnr|a/c|ac|folio|policy|ca|bp|booking|receipt|urn|arn|"
    r"otp|code|pin|card|ending|loan|invoice|#|x{2,}\w*)\W{0,3}$",
    re.IGNORECASE,
)
# Hindi puts the verb after the number: "9812 3456 पर कॉल करें", "98xxx par call karein"
PHONE_CUE_AFTER = re.compile(r"^\s*(?:पर|par|pe)\s*(?:कॉल|फ़ोन|फोन|संपर्क|व्हाट्सऐप|call|sampark|whatsapp|phone)", re.I)
AMOUNT_AFTER = re.compile(r"^\s*(?:rs\b|rupaye|rupees|रुपये|lakh|crore|/-|%|minutes|mins|hours|days)", re.I)
# a mobile written in two groups of five ("98765 43210") must start 6-9 even after +91
MOBILE_GROUPING = re.compile(r"^(?:\+?91[\s-]?)?\d{5}[\s-]\d{5}$")
STD_FORMAT = re.compile(r"^0\d{2,4}[\s-]\d")
SHORT_CODE_CUE = re.compile(r"(?:sms|send|reply|stop|likhkar|bhejein|भेजें|text)\b[^.!?\n]{0,25}\bto\s*$|पर$", re.I)
MIN_DIGITS, MAX_DIGITS = 3, 15


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


def _valid_indian(digits: str) -> bool:
    if digits.startswith(("1800", "1860")):
        return 8 <= len(digits) <= 11
    if digits.startswith(("140", "160")) and len(digits) == 10:
        return True
    national = digits
    if len(digits) == 12 and digits.startswith("91"):
        national = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        national = digits[1:]
    if len(national) != 10:
        return False
    if national[0] in "6789":
        return True
    number = phonenumbers.parse(national, "IN")
    return phonenumbers.is_valid_number(number)


def is_valid_number(raw: str) -> bool:
    digits = _digits(raw)
    if MOBILE_GROUPING.match(raw) and digits[-10] not in "6789":
        return False
    international = raw.startswith("+") or digits.startswith("00")
    if international and not digits.lstrip("0").startswith("91"):
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits.lstrip("0"), None))
        except phonenumbers.NumberParseException:
            return False
    if international:
        digits = digits.lstrip("0")
    return _valid_indian(digits)


def _looks_like_phone(message: Message, start: int, raw: str) -> bool:
    before = message.text[max(0, start - 40) : start]
    after = message.text[start + len(raw) : start + len(raw) + 12]
    digits = _digits(raw)
    if NOT_PHONE_CUE.search(before) or SHORT_CODE_CUE.search(before) or AMOUNT_AFTER.search(after):
        return False
    if PHONE_CUE.search(before) or PHONE_CUE_AFTER.search(after) or STD_FORMAT.match(raw):
        return True
    return raw.startswith("+") or (len(digits) in (10, 12) and (digits[0] in "6789" or digits.startswith("91")))


def _masked(text: str) -> str:
    """The text with URLs blanked (same length), so digits inside links are not numbers."""
    return URL.sub(lambda m: " " * len(m.group(0)), text)


def find(message: Message) -> list[Finding]:
    findings = []
    masked = _masked(message.text)
    for match in CANDIDATE.finditer(masked, message.body_start):
        raw = match.group(1).strip(" .-()")
        start = match.start(1) + match.group(1).index(raw)
        digits = _digits(raw)
        if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or re.fullmatch(r"\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?", raw):
            continue
        if not _looks_like_phone(message, start, raw) or is_valid_number(raw):
            continue
        findings.append(
            Finding(
                "CHECK-4",
                start,
                start + len(raw),
                suggestion=message.next_variable(),
                confidence=0.9 if len(digits) >= 6 else 0.8,
                title=f"Invalid phone number {raw}: use a 10-digit mobile, an STD landline, 1800/1860 toll-free or a 140/160 number",
            )
        )
    return findings
