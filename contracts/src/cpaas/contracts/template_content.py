"""Shapes of a template's channel-specific `content` (console.templates.content), shared by
the console (which validates what users build), the connectors (which turn it into the
provider's payload) and the sandbox. Wire names are camelCase.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator
from pydantic.alias_generators import to_camel

MAX_RCS_SUGGESTIONS = 4
MIN_CAROUSEL_CARDS, MAX_CAROUSEL_CARDS = 2, 10


class Content(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, extra="forbid")


class WhatsAppHeader(Content):
    type: Literal["TEXT", "IMAGE", "VIDEO", "DOCUMENT"]
    text: str | None = Field(None, max_length=60)
    media_url: HttpUrl | None = None

    @model_validator(mode="after")
    def _complete(self) -> "WhatsAppHeader":
        if self.type == "TEXT" and not (self.text and self.text.strip()):
            raise ValueError("a TEXT header needs its text")
        if self.type != "TEXT" and self.media_url is None:
            raise ValueError(f"an {self.type} header needs its mediaUrl (upload the file)")
        return self


class WhatsAppButton(Content):
    type: Literal["QUICK_REPLY", "URL", "PHONE_NUMBER"]
    text: str = Field(min_length=1, max_length=25)
    url: HttpUrl | None = None
    phone_number: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> "WhatsAppButton":
        if self.type == "URL" and self.url is None:
            raise ValueError("a URL button needs its url")
        if self.type == "PHONE_NUMBER" and not self.phone_number:
            raise ValueError("a PHONE_NUMBER button needs its phoneNumber")
        return self


class WhatsAppContent(Content):
    """WhatsApp template parts besides the body (templates.body holds the {{n}} body)."""

    header: WhatsAppHeader | None = None
    footer: str | None = Field(None, max_length=60)
    buttons: list[WhatsAppButton] = Field(default_factory=list, max_length=10)


class Suggestion(Content):
    type: Literal["REPLY", "DIAL", "OPEN_URL"]
    text: str = Field(min_length=1, max_length=25)
    postback_data: str | None = None
    phone_number: str | None = None
    url: HttpUrl | None = None

    @model_validator(mode="after")
    def _complete(self) -> "Suggestion":
        if self.type == "DIAL" and not self.phone_number:
            raise ValueError("a DIAL suggestion needs its phoneNumber")
        if self.type == "OPEN_URL" and self.url is None:
            raise ValueError("an OPEN_URL suggestion needs its url")
        return self


class RcsCard(Content):
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    media_url: HttpUrl | None = None
    media_type: Literal["IMAGE", "VIDEO"] = "IMAGE"
    suggestions: list[Suggestion] = Field(default_factory=list, max_length=MAX_RCS_SUGGESTIONS)

    @model_validator(mode="after")
    def _not_empty(self) -> "RcsCard":
        if not (self.title or self.description or self.media_url):
            raise ValueError("a card needs a title, a description or media")
        return self


class RcsTextContent(Content):
    suggestions: list[Suggestion] = Field(default_factory=list, max_length=MAX_RCS_SUGGESTIONS)


class RcsRichCardContent(Content):
    orientation: Literal["VERTICAL", "HORIZONTAL"] = "VERTICAL"
    image_alignment: Literal["LEFT", "RIGHT"] = "LEFT"  # horizontal cards only
    height: Literal["SHORT", "MEDIUM", "TALL"] = "MEDIUM"
    width: Literal["SMALL", "MEDIUM"] = "MEDIUM"
    card: RcsCard


class RcsCarouselContent(Content):
    card_width: Literal["SMALL", "MEDIUM"] = "MEDIUM"  # one width for all cards
    height: Literal["SHORT", "MEDIUM", "TALL"] = "MEDIUM"
    cards: list[RcsCard] = Field(min_length=MIN_CAROUSEL_CARDS, max_length=MAX_CAROUSEL_CARDS)


class VoiceContent(Content):
    voice: Literal["female", "male"] = "female"
    language: str = "en-IN"
    repeat: int = Field(1, ge=1, le=3)


RCS_CONTENT: dict[str, type[Content]] = {
    "TEXT": RcsTextContent,
    "RICH_CARD": RcsRichCardContent,
    "CAROUSEL": RcsCarouselContent,
}


def parse_content(channel: str, template_type: str, content: dict) -> Content | None:
    """Validate a template's content for its channel and type (raises pydantic.ValidationError)."""
    if channel == "WHATSAPP":
        return WhatsAppContent.model_validate(content)
    if channel == "RCS":
        return RCS_CONTENT[template_type].model_validate(content)
    if channel == "VOICE":
        return VoiceContent.model_validate(content)
    return None
