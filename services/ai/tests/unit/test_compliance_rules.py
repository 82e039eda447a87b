"""The compliance check's rules, each with texts that break it and texts that do not, in
English, Hindi and Hinglish, through the public `check` (rules and model together)."""

import pytest

from cpaas.ai.domain.compliance import RiskLevel, check


def checks(text: str, channel: str = "SMS", category: str | None = "UIC") -> set[str]:
    return check(text, channel, category).checks


def test_the_issue_example_is_high_with_shortener_urgency_and_credential_warnings():
    verdict = check("URGENT! share your OTP at bit.ly/x", "SMS", "UIC")
    assert verdict.risk_level is RiskLevel.HIGH
    assert {"CHECK-6", "CHECK-7", "CHECK-9"} <= verdict.checks
    by_check = {w.check: w for w in verdict.warnings}
    assert by_check["CHECK-6"].text == "bit.ly/x" and by_check["CHECK-6"].suggestion.startswith("https://")
    assert by_check["CHECK-7"].text == "URGENT" and by_check["CHECK-7"].suggestion == "Important"
    assert "share your OTP" in by_check["CHECK-9"].text and "Never share" in by_check["CHECK-9"].suggestion


def test_spans_point_into_the_original_text():
    text = "VM-AXISBK: Hurry! Your card ending {#var#} needs a check."
    for warning in check(text, "SMS", "UIC").warnings:
        assert text[warning.start : warning.end] == warning.text


@pytest.mark.parametrize(
    "text",
    [
        "Your OTP is {#var#}. Do not share it with anyone.",
        "{#var#} is your OTP for login to NetBanking. Valid for 5 minutes. Never share it with anyone. -HDFC Bank",
        "आपका ओटीपी {#var#} है। कृपया इसे किसी के साथ साझा न करें।",
        "Aapka OTP {#var#} hai. Ise kisi ke saath share na karein.",
    ],
)
def test_an_otp_that_is_delivered_is_low(text):
    verdict = check(text, "SMS", "Auth")
    assert verdict.risk_level is RiskLevel.LOW and not verdict.warnings


@pytest.mark.parametrize(
    "text",
    [
        "Please share the OTP you received with our executive to verify your account.",
        "Reply with your card number, expiry date and CVV to increase your limit.",
        "कृपया आपको मिला ओटीपी हमारे प्रतिनिधि को बताएं।",
        "Apna OTP share karein hamare executive ke saath.",
        "Refund ke liye apna UPI PIN daalein aur OTP humein bhejein.",
    ],
)
def test_asking_for_a_credential_is_check_9(text):
    assert "CHECK-9" in checks(text, category="Auth")


def test_a_delivery_code_given_to_the_agent_at_the_door_is_not_check_9():
    assert "CHECK-9" not in checks(
        "Share the delivery code {#var#} with the delivery agent only at your doorstep.", category="SIC"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Your SBI account will be blocked today. Update your PAN now: bit.ly/sbi",
        "Work from home and earn Rs 5000 daily by liking videos.",
        "Win big on IPL! Bet on every ball with a free bonus.",
        "घर बैठे रोज़ 5000 रुपये कमाएं, कोई निवेश नहीं।",
        "Aapka bank khata aaj band ho jayega, KYC update karein.",
        "{#var#}",
    ],
)
def test_fraud_gambling_and_open_templates_are_check_1(text):
    assert "CHECK-1" in checks(text, category="MIC")


def test_a_transactional_alert_is_not_check_1():
    text = "Rs 2,450.00 debited from A/c XX4821 on 14-Oct to VPA swiggy@icici. Not you? Call 18002586161 -Canara Bank"
    assert checks(text) == set()


def test_a_promotion_without_opt_out_is_check_2_and_with_it_is_not():
    promo = "Diwali Dhamaka at Reliance Trends! Flat 40% off on ethnic wear till 5 Nov."
    verdict = check(promo, "SMS", "MIC")
    assert "CHECK-2" in verdict.checks
    suggestion = next(w.suggestion for w in verdict.warnings if w.check == "CHECK-2")
    assert "STOP" in suggestion
    assert "CHECK-2" not in checks(promo + " Reply STOP to opt out.", category="MIC")


def test_a_promotion_in_a_transactional_template_is_check_2_even_with_opt_out():
    text = "Your bill of Rs 499 is paid. Try our new 5G plan at just Rs 399, recharge now! Reply STOP to opt out."
    verdict = check(text, "SMS", "UIC")
    assert "CHECK-2" in verdict.checks
    assert "UIC" in next(w.title for w in verdict.warnings if w.check == "CHECK-2")


def test_hindi_promotion_needs_hindi_opt_out():
    assert "CHECK-2" in checks("इस दिवाली सभी कपड़ों पर 40% तक की छूट।", category="MIC")
    assert "CHECK-2" not in checks(
        "इस दिवाली सभी कपड़ों पर 40% तक की छूट। बंद करने के लिए STOP लिखकर 1909 पर भेजें।", category="MIC"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Download our app from khelo-live.com/khelo.apk, no Play Store needed.",
        "Forward this message to 10 friends and get free talktime.",
        "Join our Telegram group t.me/earnfast_in for daily tips.",
        "अपने 10 दोस्तों को यह संदेश भेजें और मुफ़्त रिचार्ज पाएं।",
    ],
)
def test_calls_to_action_against_trai_rules_are_check_3(text):
    assert "CHECK-3" in checks(text, category="MIC")


def test_an_official_app_store_call_to_action_is_not_check_3():
    assert "CHECK-3" not in checks("Rate your ride in the Ola app under My Rides.", category="SIC")


@pytest.mark.parametrize(
    "text",
    [
        "For queries call our helpline 1800-22-1 between 9 AM and 6 PM.",
        "Not you? Call our customer care at 98765 4321 to block your card.",
        "For delivery queries, WhatsApp us at +91 12345 67890.",
        "Dial 140 123 456 to know the status of your complaint.",
        "आपकी शिकायत दर्ज है। जानकारी के लिए 9812 3456 पर कॉल करें।",
    ],
)
def test_invalid_phone_numbers_are_check_4(text):
    verdict = check(text, "SMS", "SIC")
    assert "CHECK-4" in verdict.checks


@pytest.mark.parametrize(
    "text",
    [
        "For queries call our helpline 1800-22-4344 between 9 AM and 6 PM.",
        "Not you? Call our customer care at 9876543210 to block your card.",
        "Contact him at +91 98450 12345 if needed.",
        "For changes call the clinic on 080-22221111.",
        "Call 1860 267 7777 or +44 20 7946 0958 from abroad.",
        "Rs 2,450.00 debited, UPI Ref 529384711203, OTP valid for 10 min. SMS STOP to 56161.",
    ],
)
def test_valid_numbers_amounts_and_references_are_not_check_4(text):
    assert "CHECK-4" not in checks(text, category="SIC")


def test_a_repeated_sentence_is_check_5_and_the_rewrite_keeps_one_copy():
    text = "Your order is confirmed. Thank you for shopping with us. Your order is confirmed. Thank you for shopping with us."
    warning = next(w for w in check(text, "SMS", "SIC").warnings if w.check == "CHECK-5")
    assert warning.suggestion.count("Your order is confirmed") == 1


@pytest.mark.parametrize("text", ["FREE FREE FREE! Free delivery this week.", "आज ही खरीदें। आज ही खरीदें। आज ही खरीदें।"])
def test_repeated_words_are_check_5(text):
    assert "CHECK-5" in checks(text, category="MIC")


def test_a_voice_prompt_that_repeats_the_code_is_not_check_5():
    text = "Your one time password is {{1}}. I repeat, your one time password is {{1}}."
    assert "CHECK-5" not in checks(text, channel="VOICE", category=None)


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("Track your order at tinyurl.com/abc", "SMS"),
        ("Your bill is at https://cutt.ly/xyz.", "WHATSAPP"),
        ("To see your bill, please visit bit dot ly slash bill twenty five.", "VOICE"),
    ],
)
def test_url_shorteners_are_check_6(text, channel):
    assert "CHECK-6" in checks(text, channel=channel, category=None)


def test_full_links_and_whatsapp_click_to_chat_are_not_check_6():
    assert "CHECK-6" not in checks(
        "Track it at https://www.snapdeal.com/track/1 or chat on wa.me/919876543210.", category="SIC"
    )


@pytest.mark.parametrize(
    "text",
    ["Last chance! Your coupon expires in 2 hours.", "जल्दी करें! ऑफर सिर्फ आज।", "Jaldi karein! Offer sirf aaj raat tak."],
)
def test_urgency_is_check_7(text):
    assert "CHECK-7" in checks(text, category="MIC")


def test_an_otp_validity_is_not_urgency():
    assert "CHECK-7" not in checks("{#var#} is your code. It expires in 10 minutes.", category="Auth")


@pytest.mark.parametrize(
    "text",
    [
        "Congratulations! You have won Rs 25,00,000 in the KBC lucky draw.",
        "बधाई हो! आपने 25 लाख रुपये की लॉटरी जीती है।",
        "Mubarak ho, aapne Maruti Swift jeeti hai!",
    ],
)
def test_prize_language_is_check_8(text):
    assert "CHECK-8" in checks(text, category="MIC")


def test_a_credited_cashback_is_not_a_prize():
    assert "CHECK-8" not in checks("Rs 50 cashback for order 1234 is credited to your Paytm wallet.")


def test_a_dlt_header_is_skipped_and_a_promotional_suffix_counts_as_promotional():
    assert check("VM-HDFCBK: Your A/c XX12 is credited with Rs 500.", "SMS", "UIC").warnings == ()
    assert "CHECK-2" in checks("AD-MYNTRA-P: Flat 50% off on 5000 brands.", category=None)


def test_the_same_input_gives_the_same_verdict():
    text = "Hurry! Claim your prize at bit.ly/win now, call 98765 4321."
    assert len({repr(check(text, "SMS", "MIC")) for _ in range(5)}) == 1


def test_risk_levels_follow_the_thresholds():
    assert check("Your order {#var#} is confirmed.", "SMS", "SIC").risk_level is RiskLevel.LOW
    assert check("Your order is shipped, track it at bit.ly/abc", "SMS", "SIC").risk_level is RiskLevel.MEDIUM
    assert (
        check("Send your ATM PIN to this number to keep your card active.", "SMS", "UIC").risk_level is RiskLevel.HIGH
    )


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="channel"):
        check("hello", "FAX", None)
