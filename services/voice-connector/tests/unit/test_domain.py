"""Pure rules: which statuses a provider status adds, times, speech from a template, TwiML."""

from datetime import UTC, datetime, timedelta

import pytest

from cpaas.connector_kit.testing.records import template as console_template
from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageSubmittedV1
from cpaas.control_plane import Template
from cpaas.voice_connector.domain.speech import NotSendable, speech_for
from cpaas.voice_connector.domain.statuses import plausible_time, statuses_after
from cpaas.voice_connector.providers import Speech
from cpaas.voice_connector.providers.programmable_voice.statuses import STATUS_MAPPING, status_meaning
from cpaas.voice_connector.providers.programmable_voice.twiml import say_twiml

S = MessageStatus


@pytest.mark.parametrize(
    ("published", "provider_status", "added"),
    [
        (None, "ringing", []),
        ("SUBMITTED_OPERATOR", "in-progress", []),
        ("SUBMITTED_OPERATOR", "completed", [S.DELIVERED]),
        (None, "completed", [S.SUBMITTED_OPERATOR, S.DELIVERED]),  # the callback overtook the create's answer
        ("SUBMITTED_OPERATOR", "no-answer", [S.UNDELIVERED]),
        ("SUBMITTED_OPERATOR", "busy", [S.UNDELIVERED]),
        ("SUBMITTED_OPERATOR", "failed", [S.FAILED]),
        ("SUBMITTED_OPERATOR", "canceled", [S.FAILED]),
        ("DELIVERED", "completed", []),
        ("DELIVERED", "failed", []),
        ("UNDELIVERED", "completed", []),
        ("SUBMITTED_OPERATOR", "something-new", []),
    ],
)
def test_statuses_a_callback_adds(published: str | None, provider_status: str, added: list[MessageStatus]) -> None:
    assert statuses_after(published, status_meaning(provider_status)) == added


def test_every_failure_in_the_table_has_an_error_code() -> None:
    for meaning in STATUS_MAPPING.values():
        assert (meaning.error_code is not None) is bool(meaning.status and meaning.status.is_failure)


def test_plausible_time_keeps_the_providers_time_only_between_creation_and_arrival() -> None:
    accepted = datetime(2026, 1, 1, 10, 0, 0, 400_000, tzinfo=UTC)
    arrived = accepted + timedelta(seconds=3)
    assert plausible_time(accepted + timedelta(seconds=2), accepted, arrived) == accepted + timedelta(seconds=2)
    assert plausible_time(accepted.replace(microsecond=0), accepted, arrived) == arrived  # whole-second stamp
    assert plausible_time(arrived + timedelta(minutes=5), accepted, arrived) == arrived
    assert plausible_time(accepted, None, arrived) == accepted


def event(**changes: object) -> MessageSubmittedV1:
    fields: dict = {
        "message_id": "msg_01JZ8Q3W5V7Y9A1C3E5G7J9K2M",
        "account_id": 2,
        "channel": Channel.VOICE,
        "recipient": "+919876543210",
        "template_id": 6,
        "variables": {"1": "482913"},
        "submitted_at": datetime.now(UTC),
    }
    return MessageSubmittedV1(**(fields | changes))


def template(**changes: object) -> Template:
    fields: dict = {
        "id": 6,
        "account_id": 2,
        "channel": "VOICE",
        "status": "APPROVED",
        "body": "Your code is {{1}}.\n Goodbye.",
        "content": {"voice": "male", "language": "hi-IN", "repeat": 2},
    }
    return console_template(**(fields | changes))


def test_speech_renders_the_template_with_its_voice_settings() -> None:
    assert speech_for(event(), template()) == Speech("Your code is 482913. Goodbye.", "male", "hi-IN", 2)


def test_speech_defaults_apply_to_empty_content() -> None:
    assert speech_for(event(), template(content={})) == Speech("Your code is 482913. Goodbye.", "female", "en-IN", 1)


@pytest.mark.parametrize(
    ("tmpl", "code"),
    [
        (None, ErrorCode.TEMPLATE_NOT_FOUND),
        (template(account_id=3), ErrorCode.TEMPLATE_NOT_FOUND),
        (template(channel="SMS"), ErrorCode.TEMPLATE_CHANNEL_MISMATCH),
        (template(status="PENDING"), ErrorCode.TEMPLATE_NOT_APPROVED),
        (template(content={"repeat": 9}), ErrorCode.RENDER_FAILED),
        (template(body="{{1}}"), ErrorCode.RENDER_FAILED),
    ],
    ids=["missing", "other-account", "sms-template", "pending", "bad-content", "renders-empty"],
)
def test_unspeakable_message_is_not_sendable(tmpl: Template | None, code: ErrorCode) -> None:
    with pytest.raises(NotSendable) as raised:
        speech_for(event(variables={"1": " "}) if tmpl and tmpl.body == "{{1}}" else event(), tmpl)
    assert raised.value.code is code


def test_twiml_escapes_text_and_attributes() -> None:
    speech = Speech('<Play>x</Play> & "so"', 'fe"male', "en-IN", 3)
    assert say_twiml(speech) == (
        '<Response><Say voice="fe&quot;male" language="en-IN" loop="3">'
        '&lt;Play&gt;x&lt;/Play&gt; &amp; "so"</Say></Response>'
    )
