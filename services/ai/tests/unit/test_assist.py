"""AI Assist's local engine: drafts for the template's intent, shaped by the instructions,
placed in the channel's fields, all passing the compliance check with no warning."""

import re

import pytest

from cpaas.ai.domain.assist import AssistRequest, generate
from cpaas.ai.domain.assist.drafts import limit_problems, variable_problems
from cpaas.ai.domain.assist.request import read_instructions, read_topic
from cpaas.ai.domain.compliance import RiskLevel, check

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def test_diwali_offer_drafts_with_a_discount_offer_are_low_and_fill_the_whatsapp_form():
    drafts = generate(AssistRequest("WHATSAPP", "diwali_offer_2025", "MARKETING", "include a discount offer"))
    assert len(drafts) >= 2 and len({d.body for d in drafts}) == len(drafts)
    for draft in drafts:
        verdict = check(draft.checked_text(), "WHATSAPP", "MARKETING")
        assert verdict.risk_level is RiskLevel.LOW and not verdict.warnings
        assert "Diwali" in draft.content["header"]["text"] and len(draft.content["header"]["text"]) <= 60
        assert "off with code" in draft.body or "off on" in draft.body  # the discount offer
        assert "STOP" in draft.content["footer"]
        assert any(b["type"] == "QUICK_REPLY" for b in draft.content["buttons"])
        assert re.search(r"\{\{1\}\}", draft.body) and not variable_problems(draft) and not limit_problems(draft)


@pytest.mark.parametrize(
    ("name", "intent"),
    [
        ("otp_alert", "otp"),
        ("diwali_offer_2025", "promo_offer"),
        ("order_shipped", "order_shipped"),
        ("payment_reminder", "payment_reminder"),
        ("OutForDelivery", "out_for_delivery"),
        ("refund-processed", "refund"),
        ("zz_unknown_thing", "general_update"),
    ],
)
def test_the_intent_comes_from_the_name(name, intent):
    assert read_topic(name, None, "SMS").intent == intent


def test_a_promotional_name_under_a_utility_category_is_written_as_an_update_and_says_so():
    drafts = generate(AssistRequest("WHATSAPP", "christmas_offer", "UTILITY", "include a discount offer"))
    assert drafts and all(d.intent == "general_update" for d in drafts)
    assert "MARKETING" in drafts[0].notes[0]
    assert all("off" not in d.body for d in drafts)


def test_instructions_set_tone_language_offer_and_length():
    wants = read_instructions("Formal tone, in Hindi, include a discount offer, short")
    assert (wants.tone, wants.language, wants.offer, wants.short) == ("formal", "hi", True, True)
    assert read_instructions("friendly").tone == "friendly" and read_instructions(None).language == "en"


def test_hindi_drafts_are_in_devanagari():
    for draft in generate(AssistRequest("SMS", "payment_reminder", "UIC", "in Hindi")):
        assert DEVANAGARI.search(draft.body) and draft.language == "hi" and draft.encoding == "UCS-2"
        assert not check(draft.body, "SMS", "UIC").warnings


def test_sms_drafts_use_dlt_variables_and_fit_one_segment():
    drafts = generate(AssistRequest("SMS", "order_shipped", "SIC", "short"))
    assert drafts
    for draft in drafts:
        assert "{#var#}" in draft.body and "{{" not in draft.body
        assert draft.segments == 1 and draft.example_segments == 1 and draft.encoding == "GSM-7"
        assert all(v.max_length == 30 for v in draft.variables)


def test_an_otp_draft_delivers_the_code_without_asking_for_it():
    for draft in generate(AssistRequest("WHATSAPP", "otp_alert", "AUTHENTICATION", None)):
        assert draft.intent == "otp" and draft.content["buttons"] == [] and "header" not in draft.content
        assert not check(draft.checked_text(), "WHATSAPP", "AUTHENTICATION").warnings


def test_rcs_drafts_carry_at_most_four_suggestions_and_promotions_opt_out():
    for draft in generate(AssistRequest("RCS", "new_arrivals", None, "friendly")):
        assert 0 < len(draft.content["suggestions"]) <= 4
        assert "STOP" in draft.body


def test_the_same_request_gives_the_same_drafts():
    request = AssistRequest("WHATSAPP", "payment_reminder", "UTILITY", "formal tone")
    assert generate(request) == generate(request)
