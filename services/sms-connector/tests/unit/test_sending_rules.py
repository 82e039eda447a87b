"""How a submit event becomes an SMS (or a refusal, and why), what is recorded of a
send, and how the SMPP provider writes a message's submit_sm: pure functions, no I/O
(the provider of `send` is a stand-in inside this one function's test)."""

from datetime import UTC, datetime

import pytest

from cpaas.connector_kit.errors import SendError
from cpaas.connector_kit.sends import ACCEPTED, REFUSED, SendResult
from cpaas.connector_kit.testing.records import template
from cpaas.contracts import Channel, ErrorCode, MessageSubmittedV1, new_message_id
from cpaas.control_plane import SenderId
from cpaas.sms_connector.domain.segments import concat_reference, split_text
from cpaas.sms_connector.providers.base import SmsMessage, Submitted
from cpaas.sms_connector.providers.smpp.provider import TLV_DLT_PE_ID, TLV_DLT_TEMPLATE_ID, segments_of
from cpaas.sms_connector.sending import Prepared, SmsSending, prepare_one
from cpaas.sms_connector.store import SmsResult

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OTP = template(id=5, body="Your OTP is {#var#}.", dlt_template_id="1107161234567890123")
SENDER = SenderId(id=1, account_id=1, sender_id="ACMEIN", pe_id="1101234567890123456", status="APPROVED")


def event(**fields: object) -> MessageSubmittedV1:
    values: dict[str, object] = {
        "message_id": new_message_id(),
        "account_id": 1,
        "channel": Channel.SMS,
        "recipient": "+919876543210",
        "template_id": 5,
        "sender_id": "ACMEIN",
        "variables": {"1": "482913"},
        "submitted_at": NOW,
        **fields,
    }
    return MessageSubmittedV1(**values)  # type: ignore[arg-type]


def test_an_approved_template_from_an_approved_sender_id_goes_with_both_dlt_ids() -> None:
    e = event()
    prepared = prepare_one(e, OTP, SENDER, max_segments=10)
    assert isinstance(prepared, Prepared)
    message = prepared.message
    assert (message.recipient, message.sender_id, message.text.parts) == (
        e.recipient,
        "ACMEIN",
        ("Your OTP is 482913.",),
    )
    assert (message.dlt_entity_id, message.dlt_template_id) == (SENDER.pe_id, OTP.dlt_template_id)
    assert message.reference == concat_reference(e.message_id)


def test_a_sender_id_not_approved_goes_without_its_pe_id() -> None:
    pending = SenderId(id=1, account_id=1, sender_id="ACMEIN", pe_id="11", status="PENDING")
    for sender in (pending, None):
        prepared = prepare_one(event(), OTP, sender, max_segments=10)
        assert isinstance(prepared, Prepared)
        assert prepared.message.dlt_entity_id is None
        assert prepared.message.dlt_template_id == OTP.dlt_template_id


@pytest.mark.parametrize(
    ("tpl", "fields", "max_segments", "code"),
    [
        (None, {}, 10, ErrorCode.RENDER_FAILED),
        (template(id=5, account_id=2, body="x"), {}, 10, ErrorCode.RENDER_FAILED),
        (template(id=5, channel="WHATSAPP", body="x"), {}, 10, ErrorCode.RENDER_FAILED),
        (template(id=5, status="PENDING", body="x"), {}, 10, ErrorCode.TEMPLATE_NOT_APPROVED),
        (OTP, {"sender_id": None}, 10, ErrorCode.SENDER_ID_REQUIRED),
        (template(id=5, body="{#var#}"), {"variables": {"1": ""}}, 10, ErrorCode.RENDER_FAILED),
        (template(id=5, body="{#var#}"), {"variables": {"1": "a" * 161}}, 1, ErrorCode.PAYLOAD_TOO_LARGE),
    ],
)
def test_what_cannot_be_sent_is_refused_with_why(tpl, fields, max_segments: int, code: ErrorCode) -> None:
    refused = prepare_one(event(**fields), tpl, SENDER, max_segments=max_segments)
    assert isinstance(refused, SendResult)
    assert (refused.state, refused.error_code, refused.provider_message_id) == (REFUSED, code.value, None)


class Provider:
    """What a provider answered to one send."""

    def __init__(self, submitted: Submitted) -> None:
        self.submitted = submitted

    async def send(self, message: SmsMessage) -> Submitted:
        return self.submitted


def prepared(text: str) -> Prepared:
    e = event()
    return Prepared(e, SmsMessage(e.recipient, "ACMEIN", split_text(text), concat_reference(e.message_id)))


async def test_a_message_is_accepted_once_every_part_is_and_its_first_part_names_it() -> None:
    sending = SmsSending(None, Provider(Submitted(("c1", "c2"), NOW)), 10)  # type: ignore[arg-type]
    result = await sending.send(prepared("a" * 161))
    assert isinstance(result, SmsResult)
    assert (result.state, result.provider_message_id, result.segments, result.sent_at) == (ACCEPTED, "c1", 2, NOW)
    assert result.part_ids == ((1, "c1"), (2, "c2"))


async def test_a_part_refused_refuses_the_message_and_keeps_the_parts_taken() -> None:
    refusal = SendError("submit_sm refused", retryable=False, carrier_error_code="0x00000045")
    sending = SmsSending(None, Provider(Submitted((None, "c2"), NOW, refusal)), 10)  # type: ignore[arg-type]
    result = await sending.send(prepared("a" * 161))
    assert isinstance(result, SmsResult)
    assert (result.state, result.error_code, result.carrier_error_code) == (
        REFUSED,
        ErrorCode.CARRIER_REJECTED.value,
        "0x00000045",
    )
    assert (result.provider_message_id, result.segments, result.part_ids) == ("c2", 2, ((2, "c2"),))


def test_the_smpp_provider_writes_one_submit_sm_per_part_with_the_dlt_tlvs() -> None:
    text = split_text("a" * 161)
    message = SmsMessage("+919876543210", "9198", text, 9, dlt_entity_id="11", dlt_template_id="22")
    segments = segments_of(message)
    assert len(segments) == 2
    assert {(s.destination, s.source, s.source_ton, s.source_npi, s.esm_class) for s in segments} == {
        ("919876543210", "9198", 1, 1, 0x40)
    }
    assert segments[0].tlvs == ((TLV_DLT_PE_ID, b"11"), (TLV_DLT_TEMPLATE_ID, b"22"))
    assert [s.payload[:6] for s in segments] == [bytes([5, 0, 3, 9, 2, 1]), bytes([5, 0, 3, 9, 2, 2])]
    alone = segments_of(SmsMessage("+919876543210", "ACMEIN", split_text("hi"), 9))
    assert [(s.tlvs, s.source_ton, s.esm_class, s.payload) for s in alone] == [((), 5, 0, b"hi")]
