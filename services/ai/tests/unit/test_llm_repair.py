"""What the LLM path does with a model's answer: parse it, repair it, or drop it."""

from cpaas.ai.domain.compliance import check
from cpaas.ai.llm.repair import parse_answer, repair, to_slots


def _repair(answer: str, channel: str = "WHATSAPP", category: str | None = "UTILITY", promotional: bool = False):
    return repair(
        answer,
        channel=channel,
        category=category,
        language="en",
        intent="order_shipped",
        default={},
        promotional=promotional,
    )


def test_json_drafts_are_parsed_and_plain_text_becomes_one_body():
    answer = 'Sure! ```json\n{"drafts": [{"body": "Hi {{1}}, your order {{2}} has shipped."}, {"body": "Order {{1}} is on its way, {{2}}."}]}```'
    assert [d["body"] for d in parse_answer(answer)] == [
        "Hi {{1}}, your order {{2}} has shipped.",
        "Order {{1}} is on its way, {{2}}.",
    ]
    assert parse_answer("Here is your draft: Your order [order id] has shipped.") == [
        {"body": "Your order [order id] has shipped."}
    ]


def test_placeholders_in_any_spelling_become_the_channels_variables():
    outcome = _repair("Hi {name}, your order [order id] ships on <date>.", channel="SMS", category="SIC")
    assert outcome.drafts[0].body == "Hi {#var#}, your order {#var#} ships on {#var#}. Thank you."
    assert to_slots("Order {{2}} for {{1}}") == "Order <v2> for <v1>"
    assert _repair("Order {{2}} for {{1}} is packed today.").drafts[0].body == "Order {{1}} for {{2}} is packed today."


def test_a_non_compliant_answer_is_repaired_with_the_checks_suggestions():
    outcome = _repair("URGENT! Your order {{1}} has shipped, track it at bit.ly/x")
    assert outcome.drafts, outcome.dropped
    body = outcome.drafts[0].body
    assert "URGENT" not in body and "bit.ly" not in body
    assert not check(body, "WHATSAPP", "UTILITY").warnings
    assert any(r.startswith("CHECK-6") for r in outcome.repairs)


def test_an_answer_that_cannot_be_made_compliant_is_dropped_with_the_reason():
    outcome = _repair(
        "Your order {{1}} is held. Send your ATM PIN and card number to this number to release it, or you will be arrested."
    )
    if outcome.drafts:  # repaired: then nothing flagged is left
        assert not check(outcome.drafts[0].checked_text(), "WHATSAPP", "UTILITY").warnings
    else:
        assert outcome.dropped and "CHECK" in outcome.dropped[0]


def test_a_transactional_draft_without_any_variable_is_dropped():
    outcome = _repair("This is a nice message about business messaging.")
    assert not outcome.drafts and "no variable" in outcome.dropped[0]


def test_a_promotion_gets_opt_out_language():
    outcome = _repair("New kurtas for {{1}} at our store this week.", channel="SMS", category="MIC", promotional=True)
    assert outcome.drafts and "STOP" in outcome.drafts[0].body
