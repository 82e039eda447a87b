"""The gateway's submit rules (domain/), without I/O: each refusal with its code and field."""

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cpaas.contracts import Channel, ErrorCode, new_message_id
from cpaas.contracts.errors import ApiError
from cpaas.contracts.submit import SubmitRequest
from cpaas.gateway.domain import submit as rules
from cpaas.gateway.domain.limits import RateLimiter

ALL_CHANNELS = frozenset(Channel)


@dataclass(frozen=True)
class Template:
    name: str = "otp"
    channel: str = "SMS"
    status: str = "APPROVED"
    variable_count: int = 2
    identity_active: bool = True
    provider_status: str | None = "APPROVED"


def request(**overrides: object) -> SubmitRequest:
    body = {
        "recipient": "+919876543210",
        "channel": "SMS",
        "templateId": 7,
        "senderId": "ACMEIN",
        "variables": ["482913", "10"],
        **overrides,
    }
    return SubmitRequest.model_validate(body)


def refusal(call) -> tuple[ErrorCode, str | None]:
    with pytest.raises(ApiError) as raised:
        call()
    return raised.value.code, raised.value.field


@pytest.mark.parametrize(
    "raw", ["+919876543210", "919876543210", " 919876543210", "+91 98765-43210", "0091 9876543210"]
)
def test_a_recipient_is_normalised_to_e164_by_the_one_phone_rule(raw: str) -> None:
    assert rules.normalize_recipient(raw) == "+919876543210"


@pytest.mark.parametrize("raw", ["98765", "+91 12", "09876543210", "+9198\x007654", ""])
def test_an_invalid_recipient_is_refused_on_its_field(raw: str) -> None:
    assert refusal(lambda: rules.normalize_recipient(raw)) == (ErrorCode.INVALID_RECIPIENT, "recipient")


def test_levels_are_the_primary_then_each_fallback_with_its_field_prefix() -> None:
    levels = rules.levels_of(request(fallback=[{"channel": "WHATSAPP", "templateId": 8}]))
    assert [(lv.field, lv.channel, lv.template_id, lv.sender_id, lv.variables) for lv in levels] == [
        ("", Channel.SMS, 7, "ACMEIN", {"1": "482913", "2": "10"}),
        ("fallback[0].", Channel.WHATSAPP, 8, None, {}),  # the old shape: no variables of its own
    ]


def test_each_fallback_level_has_its_own_variables_numbered_from_one() -> None:
    body = request(
        fallback=[
            {"channel": "WHATSAPP", "templateId": 8, "variables": ["Asha", "A-1042"]},
            {"channel": "SMS", "templateId": 9, "senderId": "ACMEIN", "variables": {"1": "771204", "2": "5"}},
        ]
    )
    assert [lv.variables for lv in rules.levels_of(body)] == [
        {"1": "482913", "2": "10"},
        {"1": "Asha", "2": "A-1042"},
        {"1": "771204", "2": "5"},
    ]


def check(level_index: int = 0, template: Template | None = Template(), **kwargs) -> None:
    body = kwargs.pop("body", request())
    level = rules.levels_of(body)[level_index]
    rules.check_level(
        level,
        template,
        kwargs.pop("senders", frozenset({"ACMEIN"})),
        kwargs.pop("enabled", ALL_CHANNELS),
    )


def test_a_level_that_meets_every_rule_passes() -> None:
    check()


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"enabled": frozenset({Channel.WHATSAPP})}, ErrorCode.CHANNEL_NOT_CONFIGURED, "channel"),
        ({"template": None}, ErrorCode.TEMPLATE_NOT_FOUND, "templateId"),
        ({"template": Template(channel="WHATSAPP")}, ErrorCode.TEMPLATE_CHANNEL_MISMATCH, "templateId"),
        ({"template": Template(status="PENDING")}, ErrorCode.TEMPLATE_NOT_APPROVED, "templateId"),
        ({"template": Template(identity_active=False)}, ErrorCode.CHANNEL_NOT_CONFIGURED, "templateId"),
        ({"body": request(senderId=None)}, ErrorCode.SENDER_ID_REQUIRED, "senderId"),
        ({"senders": frozenset({"OTHER"})}, ErrorCode.SENDER_ID_NOT_APPROVED, "senderId"),
        ({"body": request(variables={"1": "a"})}, ErrorCode.MISSING_VARIABLES, "variables"),
    ],
)
def test_each_rule_refuses_with_its_code_and_field(kwargs: dict, code: ErrorCode, field: str) -> None:
    assert refusal(lambda: check(**kwargs)) == (code, field)


def test_a_fallback_level_is_refused_on_its_own_field() -> None:
    body = request(fallback=[{"channel": "WHATSAPP", "templateId": 8}])
    assert refusal(lambda: check(1, Template(channel="WHATSAPP", status="REJECTED"), body=body)) == (
        ErrorCode.TEMPLATE_NOT_APPROVED,
        "fallback[0].templateId",
    )


@pytest.mark.parametrize("provider_status", ["PENDING", "FAILED", None])
def test_a_whatsapp_template_the_admin_approved_waits_for_its_providers_approval(provider_status) -> None:
    """Meta refuses a template it has not approved: so does the submit, on the level's field."""
    body = request(fallback=[{"channel": "WHATSAPP", "templateId": 8, "variables": ["Asha", "A-1042"]}])
    pending = Template(channel="WHATSAPP", provider_status=provider_status)
    assert refusal(lambda: check(1, pending, body=body)) == (
        ErrorCode.TEMPLATE_NOT_APPROVED_BY_PROVIDER,
        "fallback[0].templateId",
    )
    check(1, Template(channel="WHATSAPP"), body=body)  # both approved: sendable


def test_an_rcs_template_not_yet_approved_by_rbm_is_refused_with_a_clear_message() -> None:
    body = request(channel="RCS", senderId=None)
    with pytest.raises(ApiError, match="not approved by RBM") as refused:
        check(template=Template(channel="RCS", provider_status="PENDING"), body=body)
    assert refused.value.code == ErrorCode.TEMPLATE_NOT_APPROVED_BY_PROVIDER


def test_the_missing_variables_are_named_by_position() -> None:
    with pytest.raises(ApiError, match=r"needs 3 variables; missing position\(s\) 2, 3"):
        check(template=Template(variable_count=3), body=request(variables={"1": "a"}))


def test_a_fallback_level_without_its_templates_variables_is_refused_on_its_own_field() -> None:
    """An SMS fallback of an RCS message once read "Your OTP is Asha": the level borrowed
    the primary's variables. Now the primary's do not count for a level."""
    body = request(channel="RCS", senderId=None, fallback=[{"channel": "SMS", "templateId": 9, "senderId": "ACMEIN"}])
    with pytest.raises(
        ApiError, match=r"'otp' of fallback\[0\] needs 2 variables; missing position\(s\) 1, 2"
    ) as raised:
        check(1, Template(), body=body)
    assert (raised.value.code, raised.value.field) == (ErrorCode.MISSING_VARIABLES, "fallback[0].variables")
    short = request(fallback=[{"channel": "SMS", "templateId": 9, "senderId": "ACMEIN", "variables": ["771204"]}])
    assert refusal(lambda: check(1, Template(), body=short)) == (ErrorCode.MISSING_VARIABLES, "fallback[0].variables")


def test_a_fallback_level_whose_template_needs_no_variables_may_leave_them_out() -> None:
    body = request(fallback=[{"channel": "WHATSAPP", "templateId": 8}])
    check(1, Template(channel="WHATSAPP", variable_count=0), body=body)
    given = request(fallback=[{"channel": "SMS", "templateId": 9, "senderId": "ACMEIN", "variables": ["771204", "5"]}])
    check(1, Template(), body=given)


def test_a_fallback_levels_variables_follow_the_variable_rules() -> None:
    with pytest.raises(ValidationError, match="control character"):
        request(fallback=[{"channel": "WHATSAPP", "templateId": 8, "variables": ["a\x00b"]}])
    with pytest.raises(ValidationError, match="at most 50 variables"):
        request(fallback=[{"channel": "WHATSAPP", "templateId": 8, "variables": ["x"] * 51}])


def test_blacklist_and_balance() -> None:
    rules.check_not_blacklisted("+919876543210", frozenset({"+14155550100"}))
    assert refusal(lambda: rules.check_not_blacklisted("+919876543210", {"+919876543210"})) == (
        ErrorCode.RECIPIENT_BLACKLISTED,
        "recipient",
    )
    rules.check_balance(1)
    assert refusal(lambda: rules.check_balance(0))[0] is ErrorCode.INSUFFICIENT_BALANCE


def test_the_event_carries_the_primary_template_name_and_a_sender_only_for_sms() -> None:
    now = datetime(2025, 1, 2, tzinfo=UTC)
    body = request(
        channel="WHATSAPP",
        fallback=[{"channel": "SMS", "templateId": 9, "senderId": "ACMEIN", "variables": ["771204", "5"]}],
    )
    event = rules.build_event(
        rules.levels_of(body),
        message_id=new_message_id(),
        account_id=3,
        recipient="+919876543210",
        primary=Template(name="hello"),
        now=now,
    )
    assert (event.template_name, event.sender_id, event.attempt, event.submitted_at) == ("hello", None, 1, now)
    assert event.variables == {"1": "482913", "2": "10"}
    assert [(f.channel, f.template_id, f.sender_id, f.variables) for f in event.fallback] == [
        (Channel.SMS, 9, "ACMEIN", {"1": "771204", "2": "5"})
    ]


async def test_the_rate_limit_refuses_past_the_accounts_own_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(default_rate=1000, clock=lambda: now[0])  # no shared bucket: this process's own
    await limiter.take(1, 2)
    await limiter.take(1, 2)
    with pytest.raises(ApiError) as raised:
        await limiter.take(1, 2)
    assert raised.value.code is ErrorCode.RATE_LIMITED and raised.value.headers == {"Retry-After": "1"}
    now[0] += 0.5
    await limiter.take(1, 2)  # one token back in half a second at 2/s


def test_the_domain_imports_nothing_that_does_io() -> None:
    code = (
        "import sys, cpaas.gateway.domain.submit, cpaas.gateway.domain.limits;"
        "io = ('asyncpg', 'aiokafka', 'faststream', 'fastapi', 'starlette', 'httpx', 'cpaas.control_plane',"
        " 'cpaas.platform');"
        "print(sorted(m for m in sys.modules if m.startswith(io)))"
    )
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"
