"""What an AI Assist request asks for: the intent read from the template's name (its
tokens against the library's keywords), the occasion it mentions, and the instructions
(tone, language, offer, length) read from free text."""

import re
from dataclasses import dataclass

from cpaas.ai.domain.assist.library import library
from cpaas.ai.domain.compliance.text import CategoryKind, category_kind

TOKEN = re.compile(r"[a-z]+|[\u0900-\u097F]+")
FORMAL = re.compile(r"\b(?:formal|professional|polite|official|respectful)\b|औपचारिक", re.I)
FRIENDLY = re.compile(r"\b(?:friendly|casual|warm|fun|playful|cheerful|informal)\b|दोस्ताना", re.I)
HINDI = re.compile(r"\bhindi\b|हिंदी|हिन्दी", re.I)
OFFER = re.compile(r"\b(?:discount|offer|coupon|promo(?: code)?|cashback|deal|% off|sale)\b|छूट|ऑफ़र|ऑफर", re.I)
WEAK_TOKEN_WEIGHT = 0.4  # a name token that only hints at an intent ("order", "payment")
SHORT = re.compile(r"\b(?:short|brief|concise|crisp|one line|one segment)\b|छोटा", re.I)


@dataclass(frozen=True)
class Instructions:
    tone: str  # formal | friendly | neutral
    language: str  # en | hi
    offer: bool
    short: bool


@dataclass(frozen=True)
class Topic:
    intent: str
    occasion: str | None  # a key of the library's occasions
    named_intent: str | None = None  # what the name asked for, when the category changed it


def read_instructions(text: str | None) -> Instructions:
    text = text or ""
    tone = "formal" if FORMAL.search(text) else "friendly" if FRIENDLY.search(text) else "neutral"
    return Instructions(
        tone=tone,
        language="hi" if HINDI.search(text) else "en",
        offer=bool(OFFER.search(text)),
        short=bool(SHORT.search(text)),
    )


def name_tokens(name: str) -> list[str]:
    """otp_alert -> [otp, alert]; diwali_offer_2025 -> [diwali, offer]; OrderShipped -> [order, shipped]."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    lowered = spaced.lower()
    for spelling in ("new_year", "new-year", "new year"):
        lowered = lowered.replace(spelling, "newyear")
    return TOKEN.findall(lowered)


def read_topic(name: str, category: str | None, channel: str) -> Topic:
    """The intent whose keywords the name's tokens hit most (earlier tokens break ties,
    intents of the category's kind first); unknown names get the category's default."""
    lib = library()
    tokens = name_tokens(name)
    occasion = next((t for t in tokens if t in lib.occasions), None)
    kind = category_kind(category)
    scores = []
    for order, (intent, spec) in enumerate(lib.intents.items()):
        hits = [i for i, t in enumerate(tokens) if t in spec.keywords]
        if hits:
            weight = sum(WEAK_TOKEN_WEIGHT if tokens[i] in lib.weak_tokens else 1.0 for i in hits)
            same_kind = kind is CategoryKind.UNSPECIFIED or spec.kind == kind
            scores.append((weight, same_kind, -min(hits), -order, intent))
    named = max(scores)[-1] if scores else _default_intent(kind)
    intent = _fit_to_category(named, kind)
    return Topic(intent=intent, occasion=occasion, named_intent=named if named != intent else None)


def _default_intent(kind: CategoryKind) -> str:
    return {
        CategoryKind.AUTHENTICATION: "otp",
        CategoryKind.PROMOTIONAL: "promo_offer",
    }.get(kind, "general_update")


def _fit_to_category(intent: str, kind: CategoryKind) -> str:
    """An authentication template delivers a code; a transactional or service template
    never promotes (DLT and Meta both reject that), so a promotional intent becomes an
    update there."""
    spec = library().intents[intent]
    if kind is CategoryKind.AUTHENTICATION and spec.kind is not CategoryKind.AUTHENTICATION:
        return "otp"
    if kind in (CategoryKind.TRANSACTIONAL, CategoryKind.SERVICE) and spec.kind is CategoryKind.PROMOTIONAL:
        return "general_update"
    return intent
