"""AI Assist's local engine: 40 template topics, each with an instruction, on the channel
and category it would be created for, through `generate` (the same function the API
calls). For every draft returned: does it pass the compliance check with no warning,
are its variables well formed and placed (no gaps, none adjacent, none in a WhatsApp
header or footer, no body starting or ending with one, the variable list matching), is
it within the channel's limits; per request: drafts returned and how many are distinct;
SMS: drafts in one segment; and the latency of a whole request.

Run: uv run python bench/assist.py [--rounds 5]
"""

import argparse
import statistics
import time

from cpaas.ai.domain.assist import AssistRequest, generate
from cpaas.ai.domain.assist.drafts import limit_problems, variable_problems
from cpaas.ai.domain.compliance import check

TOPICS = [
    ("WHATSAPP", "diwali_offer_2025", "MARKETING", "include a discount offer"),
    ("WHATSAPP", "otp_alert", "AUTHENTICATION", ""),
    ("WHATSAPP", "order_shipped", "UTILITY", "friendly"),
    ("WHATSAPP", "payment_reminder", "UTILITY", "formal tone"),
    ("WHATSAPP", "holi_sale", "MARKETING", "in Hindi, include a discount offer"),
    ("WHATSAPP", "appointment_reminder", "UTILITY", "in Hindi"),
    ("WHATSAPP", "back_in_stock_alert", "MARKETING", "short"),
    ("WHATSAPP", "cart_abandoned", "MARKETING", "friendly, include a coupon"),
    ("WHATSAPP", "refund_processed", "UTILITY", "formal"),
    ("WHATSAPP", "webinar_invite", "MARKETING", "professional"),
    ("WHATSAPP", "feedback_survey", "UTILITY", "friendly"),
    ("WHATSAPP", "loyalty_points_update", "UTILITY", ""),
    ("WHATSAPP", "welcome_message", "UTILITY", "warm"),
    ("WHATSAPP", "christmas_offer", "UTILITY", "include a discount offer"),
    ("SMS", "otp_alert", "Auth", ""),
    ("SMS", "login_otp", "Auth", "in Hindi"),
    ("SMS", "order_shipped", "SIC", "short"),
    ("SMS", "out_for_delivery", "SIC", ""),
    ("SMS", "payment_reminder", "UIC", "formal"),
    ("SMS", "emi_due_reminder", "UIC", "in Hindi"),
    ("SMS", "txn_debit_alert", "UIC", ""),
    ("SMS", "diwali_offer_2025", "MIC", "include a discount offer"),
    ("SMS", "new_year_sale", "MIC", "short, include a discount"),
    ("SMS", "payment_received", "UIC", "friendly"),
    ("SMS", "payment_failed", "UIC", ""),
    ("SMS", "flight_booking_confirmation", "SIC", "formal"),
    ("SMS", "policy_renewal_due", "UIC", ""),
    ("SMS", "password_reset", "Auth", ""),
    ("SMS", "clinic_visit_reminder", "SIC", "friendly"),
    ("SMS", "xq7_template", "UIC", ""),
    ("RCS", "new_arrivals", None, "friendly"),
    ("RCS", "order_delivered", None, ""),
    ("RCS", "pongal_festive_offer", None, "include a discount offer"),
    ("RCS", "booking_confirmed", None, "formal"),
    ("RCS", "bill_due", None, "short"),
    ("RCS", "event_invitation", None, "in Hindi"),
    ("VOICE", "appointment_reminder", None, ""),
    ("VOICE", "otp_call", None, ""),
    ("VOICE", "payment_reminder", None, "in Hindi"),
    ("VOICE", "summer_sale", None, "include a discount offer"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the 40 requests")
    args = parser.parse_args()
    requests = [AssistRequest(*t) for t in TOPICS]
    drafts_total = passing = broken = over_limit = sms_total = sms_one_segment = 0
    distinct_per_request, counts = [], []
    for request in requests:
        drafts = generate(request)
        counts.append(len(drafts))
        distinct_per_request.append(len({d.body for d in drafts}))
        for draft in drafts:
            drafts_total += 1
            verdict = check(draft.checked_text(), draft.channel, request.category)
            passing += not verdict.warnings
            broken += bool(variable_problems(draft))
            over_limit += bool(limit_problems(draft))
            if draft.channel == "SMS":
                sms_total += 1
                sms_one_segment += draft.example_segments == 1
    timings = []
    for _ in range(args.rounds):
        for request in requests:
            started = time.perf_counter()
            generate(request)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"requests: {len(requests)} (topics x instructions over SMS, WhatsApp, RCS and voice)")
    print(
        f"drafts returned: {drafts_total}; per request min {min(counts)}, mean {statistics.mean(counts):.2f}, max {max(counts)}"
    )
    print(f"requests with no draft: {sum(c == 0 for c in counts)}")
    print(
        f"distinct drafts per request: mean {statistics.mean(distinct_per_request):.2f} (all distinct: {distinct_per_request == counts})"
    )
    print(
        f"drafts passing compliance with no warning: {passing}/{drafts_total} ({100 * passing / max(1, drafts_total):.1f}%)"
    )
    print(f"drafts with broken or misplaced variables: {broken}")
    print(f"drafts over a channel limit: {over_limit}")
    print(f"SMS drafts in one segment (examples filled in): {sms_one_segment}/{sms_total}")
    p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
    print(f"latency per request ({len(timings)} requests): p50 {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
