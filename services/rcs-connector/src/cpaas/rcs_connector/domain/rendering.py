"""A template plus variables becomes an RCS message, whatever the provider.

The template's `content` (console.templates.content) is validated with the shared
shapes of `cpaas.contracts.template_content`; `{{n}}` placeholders are filled in the
body and in each card's title and description. Without variables (a template being
registered) the placeholders are kept as they are.
"""

from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from cpaas.contracts.template_content import (
    RCS_CONTENT,
    RcsCard,
    RcsCarouselContent,
    RcsRichCardContent,
    RcsTextContent,
)
from cpaas.contracts.templating import render

MessageKind = Literal["TEXT", "RICH_CARD", "CAROUSEL"]


class RenderError(ValueError):
    """The template cannot make a message (unknown type, content outside its shape, empty text)."""


@dataclass(frozen=True)
class RcsMessage:
    """What to send: `text` is the rendered body (the message itself for TEXT, the
    fallback text for cards); `content` is the rendered channel content of the kind."""

    kind: MessageKind
    text: str
    content: RcsTextContent | RcsRichCardContent | RcsCarouselContent


def render_message(template_type: str, body: str, content: dict, variables: dict[str, str] | None) -> RcsMessage:
    shape = RCS_CONTENT.get(template_type)
    if shape is None:
        raise RenderError(f"unknown RCS template type {template_type!r}")
    try:
        parsed = shape.model_validate(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RenderError(f"template content is not a valid {template_type}: {where}: {first['msg']}") from None

    def fill(text: str | None) -> str | None:
        return text if text is None or variables is None else render(text, variables)

    text = fill(body) or ""
    if isinstance(parsed, RcsTextContent) and not text.strip():
        raise RenderError("the message text is empty")

    def card(original: RcsCard) -> RcsCard:
        return original.model_copy(update={"title": fill(original.title), "description": fill(original.description)})

    if isinstance(parsed, RcsRichCardContent):
        parsed = parsed.model_copy(update={"card": card(parsed.card)})
    elif isinstance(parsed, RcsCarouselContent):
        parsed = parsed.model_copy(update={"cards": [card(c) for c in parsed.cards]})
    return RcsMessage(template_type, text, parsed)  # type: ignore[arg-type]
