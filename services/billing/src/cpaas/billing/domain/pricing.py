"""What an attempt costs, when it is charged and when refunded: pure functions, no I/O.

An attempt is charged once the carrier has accepted it: on its SUBMITTED_OPERATOR, or,
should that event never be seen, on the first DELIVERED / READ (or, for SMS,
UNDELIVERED) that carries the carrier's message id. FAILED never charges (a refused
submit is free), nor do SUBMITTED and RETRYING (nothing reached a carrier yet).

Each channel follows its provider's billing (services/billing/README.md, "When an
attempt is charged"): SMS operators bill every submit they accepted, so an SMS charge
is final. Meta (WhatsApp) and Google RBM (RCS) bill a message when it is delivered,
and voice providers a call that was answered: for these channels the charge on
acceptance is provisional and is refunded when the attempt ends FAILED or UNDELIVERED
without a DELIVERED / READ.

Prices (integer minor units per unit) live in billing.prices; this module only says
which price code and how many units: SMS per segment, WhatsApp per conversation
category of its template (UIC, MIC, SIC, Auth, Auth INT), RCS per message type, voice
per call.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.phone import region_of

MAX_UNITS = 255  # most segments of one concatenated SMS (the SMPP reference number is one byte)


class PriceCode(StrEnum):
    SMS_SEGMENT = "SMS_SEGMENT"
    WA_UIC = "WA_UIC"
    WA_MIC = "WA_MIC"
    WA_SIC = "WA_SIC"
    WA_AUTH = "WA_AUTH"
    WA_AUTH_INT = "WA_AUTH_INT"
    RCS_TEXT = "RCS_TEXT"
    RCS_RICH_CARD = "RCS_RICH_CARD"
    RCS_CAROUSEL = "RCS_CAROUSEL"
    VOICE_CALL = "VOICE_CALL"


# The guide's Billing categories, shown next to each WhatsApp charge.
CATEGORY_LABELS: dict[PriceCode, str] = {
    PriceCode.WA_UIC: "UIC",
    PriceCode.WA_MIC: "MIC",
    PriceCode.WA_SIC: "SIC",
    PriceCode.WA_AUTH: "Auth",
    PriceCode.WA_AUTH_INT: "Auth INT",
}

_WHATSAPP_BY_CATEGORY = {
    "UTILITY": PriceCode.WA_UIC,
    "MARKETING": PriceCode.WA_MIC,
    "SERVICE": PriceCode.WA_SIC,
}
_RCS_BY_TYPE = {
    "TEXT": PriceCode.RCS_TEXT,
    "RICH_CARD": PriceCode.RCS_RICH_CARD,
    "CAROUSEL": PriceCode.RCS_CAROUSEL,
}
_CARRIER_ACCEPTED = frozenset({MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.UNDELIVERED})
_REACHED = frozenset({MessageStatus.DELIVERED, MessageStatus.READ})
_ENDED_UNDELIVERED = frozenset({MessageStatus.FAILED, MessageStatus.UNDELIVERED})
# channels whose provider bills only a delivered message / an answered call
BILLED_ON_DELIVERY = frozenset({Channel.WHATSAPP, Channel.RCS, Channel.VOICE})


class ConsoleTemplate(Protocol):
    """The console template's fields pricing reads (cpaas.control_plane.Template has them)."""

    @property
    def id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def template_type(self) -> str: ...
    @property
    def waba_phone_number(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """What pricing needs of a console template."""

    id: int
    channel: str
    category: str | None
    template_type: str
    home_region: str | None  # region of the template's WABA number, when it has one

    @classmethod
    def of(cls, template: ConsoleTemplate) -> "TemplateInfo":
        phone = template.waba_phone_number
        return cls(
            template.id,
            template.channel,
            template.category,
            template.template_type,
            recipient_region(phone) if phone else None,
        )


@dataclass(frozen=True, slots=True)
class Pricing:
    price_code: PriceCode
    units: int


class UnitsOutOfRange(ValueError):
    """An event claims more units than one message can have: it can never be charged."""


def is_chargeable(event: MessageStatusChangedV1) -> bool:
    """True when this status event may charge its attempt (the first such event does)."""
    if event.status is MessageStatus.SUBMITTED_OPERATOR:
        return True
    if event.channel in BILLED_ON_DELIVERY and event.status not in _REACHED:
        return False  # an undelivered WhatsApp / RCS message or unanswered call is not billed
    return event.status in _CARRIER_ACCEPTED and bool(event.carrier_message_id)


def is_refunding(event: MessageStatusChangedV1) -> bool:
    """True when this status event refunds its attempt's charge (if there is one): the
    attempt of a channel billed on delivery ended FAILED or UNDELIVERED."""
    return event.channel in BILLED_ON_DELIVERY and event.status in _ENDED_UNDELIVERED


def is_reached(event: MessageStatusChangedV1) -> bool:
    """True when this event says the attempt reached the recipient (DELIVERED / READ):
    a failure of the same attempt in the same batch then refunds nothing."""
    return event.status in _REACHED


# ISO region of an E.164 number (IN, US, ...), or None when no region owns it: the one
# phone-number rule (cpaas.contracts.phone), memoised for the charging batches.
recipient_region = lru_cache(maxsize=65536)(region_of)


def whatsapp_price(category: str | None, recipient: str, home_region: str) -> PriceCode:
    """UIC / MIC / SIC / Auth / Auth INT. A recipient whose region cannot be told is
    international (Auth INT): only a provably domestic recipient gets the domestic price."""
    normalised = (category or "SERVICE").upper()
    if normalised == "AUTHENTICATION":
        domestic = recipient_region(recipient) == home_region
        return PriceCode.WA_AUTH if domestic else PriceCode.WA_AUTH_INT
    return _WHATSAPP_BY_CATEGORY.get(normalised, PriceCode.WA_SIC)


def price(event: MessageStatusChangedV1, template: TemplateInfo | None, *, home_region: str) -> Pricing:
    """Price code and units of one chargeable attempt.

    `template` is the console template the event names (None when it names none or it is
    gone); `home_region` is the platform's home country, used when the template has no
    WABA number of its own.
    """
    if event.channel is Channel.SMS:
        units = event.segments or 1
        if units > MAX_UNITS:
            raise UnitsOutOfRange(f"{units} segments is more than one SMS can have ({MAX_UNITS})")
        return Pricing(PriceCode.SMS_SEGMENT, units)
    if event.channel is Channel.WHATSAPP:
        category = template.category if template else None
        home = (template.home_region if template else None) or home_region
        return Pricing(whatsapp_price(category, event.recipient, home), 1)
    if event.channel is Channel.RCS:
        template_type = (template.template_type if template else "TEXT").upper()
        return Pricing(_RCS_BY_TYPE.get(template_type, PriceCode.RCS_TEXT), 1)
    return Pricing(PriceCode.VOICE_CALL, 1)
