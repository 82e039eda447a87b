"""An RcsMessage as an RBM AgentMessage: text with suggestion chips, a standalone rich
card, or a carousel.

Choices the RBM API imposes: a card message cannot carry text too, so the rendered
body travels as `fallback` (shown by devices that cannot show the card); the
thumbnail alignment and the media height belong to vertical cards only (a horizontal
card's media fills its side); every suggestion needs postback data, so one is made
from its type and text when the template has none.
"""

from cpaas.contracts.template_content import RcsCard, RcsCarouselContent, RcsRichCardContent, RcsTextContent
from cpaas.contracts.template_content import Suggestion as TemplateSuggestion
from cpaas.rcs_connector.domain.rendering import RcsMessage
from cpaas.rcs_connector.providers.rbm.payloads import (
    AgentMessage,
    CardContent,
    CarouselCard,
    ContentInfo,
    ContentMessage,
    DialAction,
    Media,
    OpenUrlAction,
    RichCard,
    StandaloneCard,
    SuggestedAction,
    SuggestedReply,
    Suggestion,
)

MAX_POSTBACK_CHARS = 2048


def agent_message(message: RcsMessage) -> AgentMessage:
    return AgentMessage(content_message=content_message(message))


def content_message(message: RcsMessage) -> ContentMessage:
    content = message.content
    if isinstance(content, RcsTextContent):
        return ContentMessage(text=message.text, suggestions=_suggestions(content.suggestions))
    if isinstance(content, RcsRichCardContent):
        vertical = content.orientation == "VERTICAL"
        card = StandaloneCard(
            card_orientation=content.orientation,
            thumbnail_image_alignment=None if vertical else content.image_alignment,
            card_content=_card(content.card, content.height if vertical else None),
        )
        return ContentMessage(rich_card=RichCard(standalone_card=card), fallback=message.text or None)
    assert isinstance(content, RcsCarouselContent)
    carousel = CarouselCard(
        card_width=content.card_width, card_contents=[_card(c, content.height) for c in content.cards]
    )
    return ContentMessage(rich_card=RichCard(carousel_card=carousel), fallback=message.text or None)


def _card(card: RcsCard, height: str | None) -> CardContent:
    media = None
    if card.media_url is not None:
        media = Media(height=height, content_info=ContentInfo(file_url=str(card.media_url)))
    return CardContent(
        title=card.title or None,
        description=card.description or None,
        media=media,
        suggestions=_suggestions(card.suggestions),
    )


def _suggestions(suggestions: list[TemplateSuggestion]) -> list[Suggestion] | None:
    return [_suggestion(s) for s in suggestions] or None


def _suggestion(suggestion: TemplateSuggestion) -> Suggestion:
    postback = (suggestion.postback_data or f"{suggestion.type.lower()}:{suggestion.text}")[:MAX_POSTBACK_CHARS]
    if suggestion.type == "REPLY":
        return Suggestion(reply=SuggestedReply(text=suggestion.text, postback_data=postback))
    if suggestion.type == "DIAL":
        action = SuggestedAction(
            text=suggestion.text,
            postback_data=postback,
            dial_action=DialAction(phone_number=suggestion.phone_number or ""),
        )
    else:
        action = SuggestedAction(
            text=suggestion.text, postback_data=postback, open_url_action=OpenUrlAction(url=str(suggestion.url or ""))
        )
    return Suggestion(action=action)
