"""The Templates list's Identity column, for every channel (issue 19 point 5)."""

from cpaas.console.domain.templates import DEFAULT_VOICE_CALLER_ID, identity

NONE = {"waba_number": None, "bot_name": None, "sender_ids": None, "dlt_template_id": None, "caller_id": None}


def test_each_channel_shows_what_it_goes_out_as():
    assert identity("WHATSAPP", **{**NONE, "waba_number": "+919000000001"}) == "+919000000001"
    assert identity("RCS", **{**NONE, "bot_name": "CPaaS Demo"}) == "CPaaS Demo"
    assert identity("SMS", **{**NONE, "sender_ids": "CPAASD, SHOPPY", "dlt_template_id": "1107"}) == "CPAASD, SHOPPY"
    assert identity("VOICE", **{**NONE, "caller_id": "+918000000000"}) == "+918000000000"


def test_fallbacks_when_the_account_has_no_approved_header_or_no_caller_id_is_set():
    assert identity("SMS", **{**NONE, "dlt_template_id": "1107161234567890123"}) == "DLT 1107161234567890123"
    assert identity("SMS", **NONE) is None
    assert identity("VOICE", **NONE) == DEFAULT_VOICE_CALLER_ID
    assert identity("WHATSAPP", **{**NONE, "sender_ids": "CPAASD"}) is None  # another channel's identity is not used
