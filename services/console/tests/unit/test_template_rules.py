"""The template rules (domain/templates.py): names, bodies, types, each channel's own fields,
content by the contract's models, what a checked template is stored as, provider verdicts."""

import pytest

from cpaas.console.domain import templates
from cpaas.console.domain.errors import InvalidField

SMS = {
    "body": "Your OTP is {#var#}",
    "category": "Auth",
    "template_type": None,
    "dlt_template_id": "1107161234567890123",
    "language": "en",
    "content": {},
}
WHATSAPP = {**SMS, "body": "Hi {{1}}", "category": "UTILITY", "dlt_template_id": None}


def refused(call, *args, **kwargs) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize("name", ["otp_alert", "A-1", "x" * 64])
def test_a_template_name_of_letters_digits_underscores_and_hyphens_is_accepted(name):
    assert templates.template_name(name) == name


@pytest.mark.parametrize("name", ["", "x" * 65, "has space", "dot.name", "ünï"])
def test_any_other_template_name_is_refused_on_the_name_field(name):
    assert refused(templates.template_name, name).field == "name"


def test_a_body_must_have_text_and_at_most_4096_characters():
    assert templates.template_body("x" * templates.MAX_BODY_CHARS) == "x" * 4096
    assert refused(templates.template_body, "  \n").message == "body must not be empty"
    assert refused(templates.template_body, "x" * 4097).field == "body"


def test_a_template_type_defaults_to_the_channels_first_and_must_be_the_channels():
    assert templates.type_for("RCS", None) == "TEXT"
    assert templates.type_for("RCS", "CAROUSEL") == "CAROUSEL"
    assert templates.type_for("VOICE", None) == "TTS"
    error = refused(templates.type_for, "SMS", "MEDIA")
    assert error.field == "templateType" and "SMS must be one of TEXT" in error.message


def test_an_sms_template_needs_a_numeric_dlt_id_and_a_dlt_category():
    templates.sms_fields("1107161234567890123", "UIC")
    assert refused(templates.sms_fields, None, "UIC").field == "dltTemplateId"
    assert refused(templates.sms_fields, "11071-6", "UIC").field == "dltTemplateId"
    assert refused(templates.sms_fields, "1107", "MARKETING").field == "category"


def test_a_whatsapp_template_needs_one_of_metas_categories():
    templates.whatsapp_category("AUTHENTICATION")
    assert refused(templates.whatsapp_category, "Auth").field == "category"
    assert refused(templates.whatsapp_category, None).field == "category"


def test_a_media_header_and_the_media_type_go_together():
    templates.whatsapp_header("MEDIA", "VIDEO")
    templates.whatsapp_header("TEXT", "TEXT")
    templates.whatsapp_header("TEXT", None)
    assert refused(templates.whatsapp_header, "MEDIA", None).field == "content.header"
    assert refused(templates.whatsapp_header, "MEDIA", "TEXT").field == "content.header"
    assert refused(templates.whatsapp_header, "TEXT", "IMAGE").message == (
        "a template with an IMAGE header is of type MEDIA"
    )


def test_content_is_checked_by_the_contract_and_written_without_unset_members():
    card = {"title": "Offer", "mediaUrl": "https://cdn.example.com/a.png", "suggestions": []}
    written = templates.checked_content("RCS", "RICH_CARD", {"card": card})
    assert written["card"]["title"] == "Offer" and None not in written["card"].values()
    assert templates.checked_content("SMS", "TEXT", {"anything": 1}) == {}


def test_a_content_fault_names_its_path_under_content():
    error = refused(templates.checked_content, "RCS", "RICH_CARD", {"card": {"title": 5}})
    assert error.field.startswith("content.card") and error.message.startswith(error.field[len("content.") :])
    assert refused(templates.checked_content, "VOICE", "TTS", {"voice": "robot"}).field == "content.voice"


def test_an_sms_draft_is_approved_at_once_and_keeps_its_dlt_id():
    draft = templates.draft("SMS", **SMS)
    assert draft.status == "APPROVED" and draft.template_type == "TEXT"
    assert draft.dlt_template_id == SMS["dlt_template_id"] and draft.content == {}
    assert (draft.waba_number_id, draft.rcs_bot_id) == (None, None)


def test_a_whatsapp_draft_waits_for_review_and_drops_a_dlt_id():
    draft = templates.draft("WHATSAPP", **{**WHATSAPP, "dlt_template_id": "123"})
    assert draft.status == "PENDING" and draft.dlt_template_id is None


def test_a_draft_raises_its_first_fault_in_the_order_the_form_reads():
    assert refused(templates.draft, "SMS", **{**SMS, "body": "", "category": "x"}).field == "body"
    assert refused(templates.draft, "SMS", **{**SMS, "template_type": "MEDIA", "category": "x"}).field == (
        "templateType"
    )
    media_without_header = {**WHATSAPP, "template_type": "MEDIA"}
    assert refused(templates.draft, "WHATSAPP", **media_without_header).field == "content.header"


@pytest.mark.parametrize(
    ("given", "recorded"),
    [("PENDING", "PENDING"), ("APPROVED", "APPROVED"), ("REJECTED", "FAILED"), ("FAILED", "FAILED")],
)
def test_a_providers_rejection_is_recorded_as_failed(given, recorded):
    assert templates.provider_status(given) == recorded


def test_a_template_language_is_a_code_the_provider_knows() -> None:
    from cpaas.console.domain.languages import template_language

    assert [template_language(code) for code in ("en_US", "en", "hi", "pt_BR")] == ["en_US", "en", "hi", "pt_BR"]
    for wrong in ("english", "en-US", "EN", ""):
        with pytest.raises(InvalidField, match="language"):
            template_language(wrong)
