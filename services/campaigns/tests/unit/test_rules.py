"""Rows, quiet hours, pacing, the estimate, outcomes and statuses: the pure rules."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from cpaas.campaigns.domain.csvfile import Entry
from cpaas.campaigns.domain.estimate import Estimate, SmsShape, price_code
from cpaas.campaigns.domain.ids import campaign_message_id
from cpaas.campaigns.domain.outcomes import DELIVERED, FAILED, merge, outcome_of
from cpaas.campaigns.domain.pacing import TokenBucket, allowance, take
from cpaas.campaigns.domain.quiet_hours import SendingWindow, is_promotional
from cpaas.campaigns.domain.request import column_counts, level_variables, parse_fallback
from cpaas.campaigns.domain.rows import GoodRow, Reason, check_entry
from cpaas.campaigns.domain.status import Action, CampaignStatus, refusal
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.errors import ApiError

IST = ZoneInfo("Asia/Kolkata")


def entry(number: str, *variables: str, bad: bool = False) -> Entry:
    return Entry(1, 3, number, list(variables), number, bad_utf8=bad)


def test_each_bad_row_gets_its_reason() -> None:
    def code(e: Entry, variables: int = 1, blacklist: frozenset = frozenset()) -> Reason | None:
        result = check_entry(e, variables=variables, blacklist=blacklist)
        return None if isinstance(result, GoodRow) else result.code

    assert code(entry("+919876543210", "A")) is None
    assert code(entry("12345", "A")) is Reason.INVALID_NUMBER
    assert code(entry("+919876543210")) is Reason.WRONG_VARIABLE_COUNT
    assert code(entry("+919876543210", "A", "B")) is Reason.WRONG_VARIABLE_COUNT
    assert code(entry("+919876543210", "bad\x00")) is Reason.INVALID_VARIABLE
    assert code(entry("+919876543210", "A"), blacklist=frozenset({"+919876543210"})) is Reason.BLACKLISTED
    assert code(entry("", bad=True)) is Reason.INVALID_UTF8


def test_quiet_hours_close_at_21_and_open_at_9_ist() -> None:
    window = SendingWindow(time(9), time(21), IST)
    assert window.is_open(datetime(2025, 10, 20, 12, 0, tzinfo=IST))
    assert not window.is_open(datetime(2025, 10, 20, 21, 0, tzinfo=IST))
    assert not window.is_open(datetime(2025, 10, 20, 3, 0, tzinfo=UTC))  # 08:30 IST
    night = datetime(2025, 10, 20, 22, 0, tzinfo=IST)
    assert window.next_opening(night) == datetime(2025, 10, 21, 9, 0, tzinfo=IST)
    assert "resumes at 2025-10-21 09:00" in window.waiting_reason(night)


def test_promotional_means_sms_mic_and_whatsapp_marketing() -> None:
    assert is_promotional("SMS", "MIC") and is_promotional("WHATSAPP", "MARKETING")
    assert not is_promotional("SMS", "Auth") and not is_promotional("WHATSAPP", "UTILITY")
    assert not is_promotional("RCS", None)


def test_a_campaign_sends_at_most_its_rate_and_the_account_its_ceiling() -> None:
    account = TokenBucket(150)
    first, second = TokenBucket(100), TokenBucket(100)
    sent = [0, 0]
    for tick in range(1, 101):  # 10 s in ticks of 0.1 s
        now = tick / 10
        for i, bucket in enumerate((first, second)):
            n = allowance(bucket, account, now, 500)
            take(bucket, account, n)
            sent[i] += n
    assert 1400 <= sum(sent) <= 1575  # the account's 150/s
    assert max(sent) <= 1050  # each campaign's 100/s


def test_sms_segments_and_price_codes() -> None:
    shape = SmsShape.of("Hi {#var#}, your code is {#var#}.")
    assert shape.segments(["Asha", "42"]) == 1
    assert shape.segments(["x" * 200, "1"]) == 2
    assert shape.segments(["नमस्ते", "1"]) == 1 and shape.segments(["न" * 80, "1"]) == 2
    assert price_code("WHATSAPP", "MARKETING", "TEXT") == "WA_MIC"
    assert price_code("RCS", None, "CAROUSEL") == "RCS_CAROUSEL"
    assert Estimate(1000, "SMS_SEGMENT", 25, "INR").describe().startswith("250.00 INR")


def status(message_id: str, state: MessageStatus, attempt: int = 1, remaining: int | None = None):
    return MessageStatusChangedV1(
        message_id=message_id,
        account_id=3,
        channel=Channel.SMS,
        attempt=attempt,
        status=state,
        recipient="+919876543210",
        occurred_at=datetime.now(UTC),
        fallback_remaining=remaining,
    )


def test_outcomes_come_from_campaign_messages_and_delivered_wins() -> None:
    mid = campaign_message_id(1000, 9, 4)
    assert outcome_of(status(mid, MessageStatus.SUBMITTED_OPERATOR)) is None
    delivered = outcome_of(status(mid, MessageStatus.DELIVERED))
    failed = outcome_of(status(mid, MessageStatus.UNDELIVERED, remaining=0))
    assert (delivered.campaign_id, delivered.row, delivered.outcome) == (9, 4, DELIVERED)
    assert failed.outcome == FAILED and failed.final_failure
    assert [o.outcome for o in merge([failed, delivered])] == [DELIVERED]
    assert outcome_of(status("msg_01JAAAAAAAAAAAAAAAAAAAAAAA", MessageStatus.DELIVERED)) is None


def test_actions_follow_the_status() -> None:
    assert refusal(Action.PAUSE, CampaignStatus.PROCESSING) is None
    assert refusal(Action.RESUME, CampaignStatus.PAUSED) is None
    assert refusal(Action.RESUME, CampaignStatus.PROCESSING) == "a PROCESSING campaign cannot be resumed"
    assert refusal(Action.CANCEL, CampaignStatus.COMPLETED) == "a COMPLETED campaign cannot be cancelled"


def test_each_level_takes_its_own_columns_primary_first_then_each_fallback_in_order() -> None:
    fallback = [
        {"channel": "WHATSAPP", "templateId": 2, "variableCount": 2},
        {"channel": "VOICE", "templateId": 3, "variableCount": 0},
    ]
    counts = column_counts(5, [{"channel": "SMS", "templateId": 1, "variableCount": 2}])
    assert counts == [3, 2]
    assert level_variables(["482913", "10", "x", "Asha", "A-1042"], counts) == [
        {"1": "482913", "2": "10", "3": "x"},
        {"1": "Asha", "2": "A-1042"},
    ]
    assert level_variables(["482913", "10", "Asha", "A-1042"], column_counts(4, fallback)) == [
        {"1": "482913", "2": "10"},
        {"1": "Asha", "2": "A-1042"},
        {},
    ]


def test_a_campaign_from_before_levels_had_columns_shares_them_as_it_did() -> None:
    counts = column_counts(2, [{"channel": "SMS", "templateId": 1, "senderId": "CPAASD"}])
    assert counts == [2, None]
    assert level_variables(["Asha", "A-1042"], counts) == [{"1": "Asha", "2": "A-1042"}, None]


def test_a_campaigns_fallback_field_may_not_carry_variables() -> None:
    assert [lv.template_id for lv in parse_fallback('[{"channel": "WHATSAPP", "templateId": 2}]')] == [2]
    with pytest.raises(ApiError) as raised:
        parse_fallback('[{"channel": "WHATSAPP", "templateId": 2, "variables": ["Asha"]}]')
    assert raised.value.field == "fallback[0].variables"
