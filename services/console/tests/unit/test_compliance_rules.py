"""What the compliance check reads of a template at submission and when a verdict holds it
back (domain/compliance.py; the check itself is the ai service's)."""

import pytest

from cpaas.console.domain.compliance import checked_parts, checked_text, require_confirmation, stored, summary
from cpaas.contracts.errors import ApiError

HIGH = {
    "riskScore": 93,
    "riskLevel": "HIGH",
    "warnings": [{"check": "CHECK-6"}, {"check": "CHECK-7"}, {"check": "CHECK-9"}],
}


def test_whatsapp_header_body_footer_and_buttons_one_per_line() -> None:
    content = {
        "header": {"type": "TEXT", "text": "Diwali offers"},
        "footer": "Reply STOP to opt out",
        "buttons": [{"type": "QUICK_REPLY", "text": "Shop"}, {"type": "URL", "text": "Visit", "url": "https://x.in"}],
    }
    text = checked_text("WHATSAPP", "TEXT", "Hi {{1}}", content)
    assert text == "Diwali offers\nHi {{1}}\nReply STOP to opt out\nShop\nVisit"
    media = {"header": {"type": "IMAGE", "mediaUrl": "https://cdn/x.png"}}  # no text to check in an image
    assert checked_parts("WHATSAPP", "MEDIA", "Hi {{1}}", media) == ["Hi {{1}}"]


def test_rcs_text_with_suggestions_and_cards_without_a_repeated_fallback() -> None:
    assert checked_parts("RCS", "TEXT", "Hello", {"suggestions": [{"type": "REPLY", "text": "Yes"}]}) == [
        "Hello",
        "Yes",
    ]
    card = {"card": {"title": "Sale", "description": "20% off", "suggestions": [{"type": "REPLY", "text": "Shop"}]}}
    assert checked_parts("RCS", "RICH_CARD", "Sale 20% off", card) == [
        "Sale",
        "20% off",
        "Shop",
    ]  # the default fallback
    assert checked_parts("RCS", "RICH_CARD", "Call us now", card)[-1] == "Call us now"  # a fallback of its own
    carousel = {"cards": [{"title": "A"}, {"title": "B", "description": "b"}]}
    assert checked_parts("RCS", "CAROUSEL", "A", carousel) == ["A", "B", "b"]


def test_sms_and_voice_are_their_body() -> None:
    assert checked_text("SMS", "TEXT", "Your OTP is {#var#}", {}) == "Your OTP is {#var#}"
    assert checked_text("VOICE", "TTS", "Your appointment is at {{1}}", {"voice": "female"}) == (
        "Your appointment is at {{1}}"
    )


def test_a_high_verdict_holds_the_submit_back_unless_confirmed_or_not_required() -> None:
    with pytest.raises(ApiError) as refused:
        require_confirmation(HIGH, required=True, confirmed=False)
    error = refused.value
    assert error.code == "HIGH_RISK_CONFIRMATION_REQUIRED" and error.status == 422 and error.field == "confirmHighRisk"
    assert "HIGH risk (score 93: CHECK-6, CHECK-7, CHECK-9)" in error.message
    require_confirmation(HIGH, required=True, confirmed=True)
    require_confirmation(HIGH, required=False, confirmed=False)
    require_confirmation({**HIGH, "riskLevel": "MEDIUM"}, required=True, confirmed=False)
    require_confirmation(None, required=True, confirmed=False)  # not checked (the ai service down): not held


def test_the_stored_verdict_keeps_the_text_its_spans_point_into() -> None:
    kept = stored({**HIGH, "extra": 1}, "URGENT!")
    assert kept == {**HIGH, "text": "URGENT!"}
    assert summary({"riskScore": 0, "riskLevel": "LOW", "warnings": []}) == "LOW risk (score 0)"
