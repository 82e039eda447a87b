"""What a campaign will cost, estimated before it starts, from billing's price list.

Billing charges an attempt once a carrier accepts it (services/billing, pricing.py):
SMS per segment, WhatsApp per template category (UTILITY -> WA_UIC, MARKETING -> WA_MIC,
AUTHENTICATION -> WA_AUTH at home or WA_AUTH_INT abroad, none -> WA_SIC), RCS per
message type, voice per call. The estimate prices every good row on the primary level
(fallback levels are charged only for rows whose primary fails, so they are left out)
and counts SMS segments from each row's rendered length: GSM-7 160 characters in one
segment and 153 a segment when concatenated, UCS-2 70 and 67. Pure.
"""

import math
import re
from dataclasses import dataclass

from cpaas.contracts.templating import DLT_PLACEHOLDER, NUMBERED_PLACEHOLDER

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€\f"
_NOT_GSM = re.compile("[^" + re.escape(_GSM_BASIC + _GSM_EXTENDED) + "]")
_EXTENDED = re.compile("[" + re.escape(_GSM_EXTENDED) + "]")
GSM_SINGLE, GSM_PART, UCS2_SINGLE, UCS2_PART = 160, 153, 70, 67

_WHATSAPP_PRICE = {"UTILITY": "WA_UIC", "MARKETING": "WA_MIC", "AUTHENTICATION": "WA_AUTH"}
_RCS_PRICE = {"RICH_CARD": "RCS_RICH_CARD", "CAROUSEL": "RCS_CAROUSEL"}


def price_code(channel: str, category: str | None, template_type: str) -> str:
    """Billing's price code for one attempt of a template (home-country Auth price)."""
    if channel == "SMS":
        return "SMS_SEGMENT"
    if channel == "WHATSAPP":
        return _WHATSAPP_PRICE.get((category or "").upper(), "WA_SIC")
    if channel == "RCS":
        return _RCS_PRICE.get(template_type.upper(), "RCS_TEXT")
    return "VOICE_CALL"


@dataclass(frozen=True)
class SmsShape:
    """A template's fixed text, measured once: each row adds its variables."""

    fixed_length: int
    gsm: bool

    @classmethod
    def of(cls, body: str) -> "SmsShape":
        fixed = NUMBERED_PLACEHOLDER.sub("", DLT_PLACEHOLDER.sub("", body))
        return cls(len(fixed) + len(_EXTENDED.findall(fixed)), _NOT_GSM.search(fixed) is None)

    def segments(self, variables: list[str]) -> int:
        joined = "".join(variables)
        gsm = self.gsm and _NOT_GSM.search(joined) is None
        length = self.fixed_length + len(joined) + (len(_EXTENDED.findall(joined)) if gsm else 0)
        single, part = (GSM_SINGLE, GSM_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
        return 1 if length <= single else math.ceil(length / part)


def format_minor(amount_minor: int, currency: str) -> str:
    return f"{amount_minor / 100:,.2f} {currency}"


@dataclass(frozen=True)
class Estimate:
    units: int
    price_code: str
    unit_price_minor: int
    currency: str

    @property
    def cost_minor(self) -> int:
        return self.units * self.unit_price_minor

    def describe(self) -> str:
        return (
            f"{format_minor(self.cost_minor, self.currency)} ({self.units:,} x {self.price_code}"
            f" at {format_minor(self.unit_price_minor, self.currency)})"
        )
