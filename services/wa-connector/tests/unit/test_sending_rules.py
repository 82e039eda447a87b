"""Pure rules of the connector: which messages can be sent (and why not), how a provider
status moves an attempt, our reference in the provider's callback data, settings."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cpaas.connector_kit.sends import REFUSED, SendResult
from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageSubmittedV1, new_message_id
from cpaas.control_plane import Template, WabaNumber
from cpaas.wa_connector.providers.base import HeaderMedia, StatusUpdate
from cpaas.wa_connector.sending import Prepared, prepare_one, sending_number
from cpaas.wa_connector.settings import WaConnectorSettings
from cpaas.wa_connector.store import SentMessage, _transitions, parse_reference, reference

ACCOUNT = 7
NUMBER = WabaNumber(3, ACCOUNT, "+919000000001", "Acme", "102290129340398", "106540352242922", "tok", "ACTIVE")


def template(**changes: object) -> Template:
    values: dict = {
        "id": 42,
        "account_id": ACCOUNT,
        "name": "order_update",
        "channel": "WHATSAPP",
        "status": "APPROVED",
        "category": "UTILITY",
        "template_type": "TEXT",
        "language": "en",
        "body": "Hi {{1}}, order {{2}} shipped.",
        "content": {},
        "waba_number_id": 3,
        "dlt_template_id": None,
        "rcs_bot_id": None,
        "provider_template_id": None,
        "provider_status": None,
        "variable_count": 2,
        **changes,
    }
    return Template(**values)


def event(**changes: object) -> MessageSubmittedV1:
    values: dict = {
        "message_id": new_message_id(),
        "account_id": ACCOUNT,
        "channel": Channel.WHATSAPP,
        "recipient": "+919876543210",
        "template_id": 42,
        "variables": {"1": "Asha", "2": "A-1042"},
        "submitted_at": datetime.now(UTC),
        **changes,
    }
    return MessageSubmittedV1(**values)


def test_an_approved_template_becomes_a_template_message() -> None:
    submit = event(attempt=2)
    prepared = prepare_one(submit, template(), [NUMBER])
    assert isinstance(prepared, Prepared)
    message = prepared.message
    assert (message.template_name, message.language, message.body_parameters) == (
        "order_update",
        "en",
        ("Asha", "A-1042"),
    )
    assert message.reference == f"{submit.message_id}:2"
    assert (message.sender.phone_number_id, message.sender.api_key) == ("106540352242922", "tok")
    assert "tok" not in repr(message)


def test_a_media_header_goes_by_link() -> None:
    content = {"header": {"type": "VIDEO", "mediaUrl": "https://cdn.example.com/clip.mp4"}}
    prepared = prepare_one(event(), template(content=content), [NUMBER])
    assert isinstance(prepared, Prepared)
    assert prepared.message.header_media == HeaderMedia("video", "https://cdn.example.com/clip.mp4")


@pytest.mark.parametrize(
    ("given_template", "numbers", "variables", "error_code"),
    [
        (None, [NUMBER], None, ErrorCode.TEMPLATE_NOT_FOUND),
        (template(account_id=8), [NUMBER], None, ErrorCode.TEMPLATE_NOT_FOUND),
        (template(channel="SMS"), [NUMBER], None, ErrorCode.TEMPLATE_CHANNEL_MISMATCH),
        (template(status="PENDING"), [NUMBER], None, ErrorCode.TEMPLATE_NOT_APPROVED),
        (template(), [], None, ErrorCode.CHANNEL_NOT_CONFIGURED),
        (
            template(),
            [WabaNumber(3, ACCOUNT, "+919000000001", "Acme", "w", "p", "t", "INACTIVE")],
            None,
            ErrorCode.CHANNEL_NOT_CONFIGURED,
        ),
        (template(), [NUMBER], {"1": "Asha"}, ErrorCode.MISSING_VARIABLES),
        (template(content={"header": {"type": "IMAGE"}}), [NUMBER], None, ErrorCode.RENDER_FAILED),
        (template(content={"unknown": 1}), [NUMBER], None, ErrorCode.RENDER_FAILED),
    ],
)
def test_messages_that_cannot_be_sent_are_refused_with_why(
    given_template: Template | None, numbers: list[WabaNumber], variables: dict | None, error_code: ErrorCode
) -> None:
    submit = event(variables=variables) if variables is not None else event()
    refused = prepare_one(submit, given_template, numbers)
    assert isinstance(refused, SendResult)
    assert (refused.state, refused.error_code) == (REFUSED, error_code.value)


def test_the_accounts_first_active_number_is_used_when_the_template_names_none() -> None:
    inactive = WabaNumber(1, ACCOUNT, "+919000000002", "Acme", "w", "p1", "t", "INACTIVE")
    assert sending_number([inactive, NUMBER], None) == NUMBER
    assert sending_number([inactive, NUMBER], 1) is None


def sent(status: str | None = "SUBMITTED_OPERATOR", message_id: str = "msg_01JQ6Z8W3KX9T5R2M4N7P8Q0VB") -> SentMessage:
    return SentMessage(
        message_id=message_id,
        attempt=1,
        account_id=ACCOUNT,
        recipient="+919876543210",
        template_id=42,
        sender_id=None,
        campaign_id=None,
        state="ACCEPTED",
        provider_message_id="wamid.A",
        sent_at=None,
        segments=None,
        error_code=None,
        error_detail=None,
        carrier_error_code=None,
        tries=0,
        announced=True,
        status=status,
    )


def update(provider_status: str, status: MessageStatus | None) -> StatusUpdate:
    return StatusUpdate("wamid.A", provider_status, status, datetime.now(UTC))


def test_statuses_move_forward_only_and_each_counts_once() -> None:
    message = sent()
    matched = [
        (update("sent", None), message),
        (update("read", MessageStatus.READ), message),
        (update("delivered", MessageStatus.DELIVERED), message),  # after read: late
        (update("read", MessageStatus.READ), message),  # the same status twice in one webhook
        (update("delivered", MessageStatus.DELIVERED), None),  # not our message
    ]
    fresh = {("wamid.A", "sent"), ("wamid.A", "read"), ("wamid.A", "delivered")}
    outcomes, changes = _transitions(matched, fresh)
    assert [o for _, o in outcomes] == ["recorded", "applied", "late", "duplicate", "unknown"]
    assert [c.update.status for c in changes] == [MessageStatus.READ]


def test_a_status_overtaking_the_acceptance_still_applies() -> None:
    outcomes, _ = _transitions([(update("delivered", MessageStatus.DELIVERED), sent(None))], {("wamid.A", "delivered")})
    assert [o for _, o in outcomes] == ["applied"]


def test_a_failed_attempt_takes_no_later_status() -> None:
    outcomes, _ = _transitions(
        [(update("delivered", MessageStatus.DELIVERED), sent("FAILED"))], {("wamid.A", "delivered")}
    )
    assert [o for _, o in outcomes] == ["late"]


def test_reference_round_trips_and_foreign_callback_data_is_none() -> None:
    message_id = new_message_id()
    assert parse_reference(reference(message_id, 3)) == (message_id, 3)
    assert parse_reference("campaign-42") is None
    assert parse_reference(None) is None
    assert parse_reference(f"{message_id}:x") is None


def test_production_refuses_local_secrets_and_the_sandbox() -> None:
    with pytest.raises(ValidationError, match="app_secret"):
        WaConnectorSettings(environment="production", verify_token="v" * 16)
    keys = {"app_secret": "s" * 32, "verify_token": "v" * 16}
    with pytest.raises(ValidationError, match="secrets_key"):
        WaConnectorSettings(environment="production", base_url="https://graph.facebook.com", **keys)
    keys["secrets_key"] = "k" * 32
    with pytest.raises(ValidationError, match="base_url"):
        WaConnectorSettings(environment="production", **keys)
    settings = WaConnectorSettings(environment="production", base_url="https://graph.facebook.com", **keys)
    assert (settings.http_port, settings.api_version, settings.service_name) == (8085, "v21.0", "wa-connector")
