"""The RBM AgentMessage as the sandbox checks it: Google's field names and limits.

Unknown fields are refused (Google answers "Invalid JSON payload received. Unknown
name ..."), and so is any shape the real API refuses: a content message with no or two
kinds of content, a suggestion that is neither a reply nor an action, a horizontal card
without its thumbnail alignment, a carousel outside 2..10 cards, more than 4
suggestions on a card or 11 on a message.
"""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

MAX_TEXT_CHARS = 3072
MAX_SUGGESTION_TEXT_CHARS = 25
MAX_POSTBACK_CHARS = 2048
MAX_MESSAGE_SUGGESTIONS = 11
MAX_CARD_SUGGESTIONS = 4
MIN_CAROUSEL_CARDS, MAX_CAROUSEL_CARDS = 2, 10


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def _exactly_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    present = [name for name in names if getattr(model, name) is not None]
    if len(present) != 1:
        raise ValueError(f"{what} must have exactly one of {', '.join(to_camel(n) for n in names)}")


class SuggestedReply(Wire):
    text: str = Field(min_length=1, max_length=MAX_SUGGESTION_TEXT_CHARS)
    postback_data: str = Field(min_length=1, max_length=MAX_POSTBACK_CHARS)


class DialAction(Wire):
    phone_number: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")


class OpenUrlAction(Wire):
    url: str = Field(pattern=r"^https?://\S+$")


class SuggestedAction(Wire):
    text: str = Field(min_length=1, max_length=MAX_SUGGESTION_TEXT_CHARS)
    postback_data: str = Field(min_length=1, max_length=MAX_POSTBACK_CHARS)
    fallback_url: str | None = None
    dial_action: DialAction | None = None
    open_url_action: OpenUrlAction | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Self:
        _exactly_one(self, ("dial_action", "open_url_action"), "action")
        return self


class Suggestion(Wire):
    reply: SuggestedReply | None = None
    action: SuggestedAction | None = None

    @model_validator(mode="after")
    def _reply_or_action(self) -> Self:
        _exactly_one(self, ("reply", "action"), "suggestion")
        return self


class ContentInfo(Wire):
    file_url: str = Field(pattern=r"^https?://\S+$")
    thumbnail_url: str | None = None
    force_refresh: bool = False


class Media(Wire):
    height: Literal["SHORT", "MEDIUM", "TALL"] | None = None
    content_info: ContentInfo


class CardContent(Wire):
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    media: Media | None = None
    suggestions: list[Suggestion] = Field(default_factory=list, max_length=MAX_CARD_SUGGESTIONS)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not (self.title or self.description or self.media):
            raise ValueError("a card needs a title, a description or media")
        return self


class StandaloneCard(Wire):
    card_orientation: Literal["VERTICAL", "HORIZONTAL"]
    thumbnail_image_alignment: Literal["LEFT", "RIGHT"] | None = None
    card_content: CardContent

    @model_validator(mode="after")
    def _horizontal_alignment(self) -> Self:
        if self.card_orientation == "HORIZONTAL" and self.thumbnail_image_alignment is None:
            raise ValueError("a HORIZONTAL card needs thumbnailImageAlignment")
        return self


class CarouselCard(Wire):
    card_width: Literal["SMALL", "MEDIUM"]
    card_contents: list[CardContent] = Field(min_length=MIN_CAROUSEL_CARDS, max_length=MAX_CAROUSEL_CARDS)


class RichCard(Wire):
    standalone_card: StandaloneCard | None = None
    carousel_card: CarouselCard | None = None

    @model_validator(mode="after")
    def _one_card(self) -> Self:
        _exactly_one(self, ("standalone_card", "carousel_card"), "richCard")
        return self


class ContentMessage(Wire):
    text: str | None = Field(None, min_length=1, max_length=MAX_TEXT_CHARS)
    rich_card: RichCard | None = None
    content_info: ContentInfo | None = None
    fallback: str | None = None
    suggestions: list[Suggestion] = Field(default_factory=list, max_length=MAX_MESSAGE_SUGGESTIONS)

    @model_validator(mode="after")
    def _one_content(self) -> Self:
        _exactly_one(self, ("text", "rich_card", "content_info"), "contentMessage")
        return self


class AgentMessage(Wire):
    content_message: ContentMessage
    message_traffic_type: str | None = None
    ttl: str | None = None
    expire_time: str | None = None


class TemplateRequest(Wire):
    """The Virtuoso template registration (not in Google's API): a name, a type, and the
    contentMessage the template sends, placeholders ({{1}}) left in."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    type: Literal["TEXT", "RICH_CARD", "CAROUSEL"]
    content: ContentMessage

    @model_validator(mode="after")
    def _type_matches(self) -> Self:
        card = self.content.rich_card
        actual = "TEXT" if card is None else "CAROUSEL" if card.carousel_card else "RICH_CARD"
        if actual != self.type:
            raise ValueError(f"type {self.type} but the content is a {actual} message")
        return self


class AgentRequest(Wire):
    """The Virtuoso bot (agent) registration: what the recipient sees and the bot handle."""

    display_name: str = Field(min_length=1, max_length=100)
    handle: str = Field(pattern=r"^[a-z0-9_.-]{3,64}$")


def first_problem(exc: ValidationError) -> str:
    """Google-style one-line reason: the field path and what is wrong with it."""
    error = exc.errors()[0]
    path = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f'Invalid JSON payload received. Unknown name "{error["loc"][-1]}" at "{path}".'
    return f"{path}: {message}" if path else message
