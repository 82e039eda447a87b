"""Templates become RCS messages: variables fill the body, titles and descriptions."""

import pytest

from cpaas.contracts.template_content import RcsCarouselContent, RcsRichCardContent, RcsTextContent
from cpaas.rcs_connector.domain.rendering import RenderError, render_message

CARD = {"title": "Hi {{1}}", "description": "Order {{2}}", "mediaUrl": "https://cdn.example.com/a.png"}


def test_text_body_is_rendered_with_its_variables() -> None:
    message = render_message("TEXT", "Welcome {{1}}, code {{2}}", {}, {"1": "Asha", "2": "42"})
    assert (message.kind, message.text) == ("TEXT", "Welcome Asha, code 42")
    assert isinstance(message.content, RcsTextContent)


def test_rich_card_title_and_description_are_rendered() -> None:
    message = render_message("RICH_CARD", "Offer {{1}}", {"card": CARD}, {"1": "Asha", "2": "A-1"})
    assert isinstance(message.content, RcsRichCardContent)
    assert (message.content.card.title, message.content.card.description) == ("Hi Asha", "Order A-1")
    assert message.text == "Offer Asha"


def test_every_carousel_card_is_rendered() -> None:
    message = render_message("CAROUSEL", "Picks", {"cards": [CARD, CARD, CARD]}, {"1": "Asha", "2": "7"})
    assert isinstance(message.content, RcsCarouselContent)
    assert [c.title for c in message.content.cards] == ["Hi Asha"] * 3


def test_without_variables_the_placeholders_stay() -> None:
    message = render_message("RICH_CARD", "Offer {{1}}", {"card": CARD}, None)
    assert isinstance(message.content, RcsRichCardContent)
    assert (message.text, message.content.card.title) == ("Offer {{1}}", "Hi {{1}}")


@pytest.mark.parametrize(
    ("template_type", "content", "problem"),
    [
        ("CAROUSEL", {"cards": [CARD]}, "cards"),
        ("RICH_CARD", {}, "card"),
        ("STORY", {}, "unknown RCS template type"),
        ("TEXT", {"suggestions": [{"type": "REPLY", "text": "x"}] * 5}, "suggestions"),
    ],
)
def test_content_outside_its_shape_cannot_be_rendered(template_type: str, content: dict, problem: str) -> None:
    with pytest.raises(RenderError, match=problem):
        render_message(template_type, "body", content, {})


def test_empty_text_cannot_be_sent() -> None:
    with pytest.raises(RenderError, match="empty"):
        render_message("TEXT", "{{1}}", {}, {})
