"""The views the message log decodes records with (cpaas.reporting.views) hold to the
contract: each field is the contract's, with its alias, type, default and constraints, and
a record decoded as a view gives the log the same rows as one decoded as the full event."""

from datetime import UTC, datetime

import pytest

from cpaas.contracts import Channel, FallbackLevel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.events import envelope
from cpaas.contracts.ids import new_message_id
from cpaas.platform.broker import PoisonRecord, decode_event
from cpaas.reporting.domain import status_update, submit_update
from cpaas.reporting.views import StatusSeen, SubmitSeen, decode_view

NOT_READ = {SubmitSeen: set(), StatusSeen: {"fallback_remaining"}}  # contract fields a view leaves out


@pytest.mark.parametrize(("view", "contract"), [(SubmitSeen, MessageSubmittedV1), (StatusSeen, MessageStatusChangedV1)])
def test_a_view_has_the_contracts_fields_with_their_types_defaults_and_constraints(view, contract) -> None:
    assert set(contract.model_fields) - set(view.model_fields) == NOT_READ[view]
    for name, field in view.model_fields.items():
        want = contract.model_fields[name]
        assert field.alias == want.alias, name
        assert field.annotation == want.annotation, name
        assert field.metadata == want.metadata, name
        assert field.is_required() == want.is_required(), name
        if not field.is_required():
            assert field.get_default(call_default_factory=True) == want.get_default(call_default_factory=True), name
    assert view.event_type == contract.event_type


def record(data) -> bytes:
    return envelope(data, source="test", subject=data.message_id).model_dump_json(by_alias=True).encode()


def test_a_record_decoded_as_a_view_gives_the_same_rows_as_the_full_event() -> None:
    message_id, at = new_message_id(), datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    common = {"message_id": message_id, "account_id": 9, "recipient": "+919876543210"}
    submit = MessageSubmittedV1(
        **common, channel=Channel.RCS, template_id=3, template_name="otp", sender_id="BRAND", campaign_id=4,
        variables={"1": "x"}, fallback=[FallbackLevel(channel=Channel.SMS, template_id=5)], submitted_at=at,
    )  # fmt: skip
    status = MessageStatusChangedV1(
        **common, channel=Channel.RCS, status=MessageStatus.FAILED, occurred_at=at, error_code="CARRIER_REJECTED",
        error_detail="no", carrier_error_code="403", carrier_message_id="c1", segments=2, template_id=3,
        campaign_id=4, fallback_remaining=1,
    )  # fmt: skip
    for value, view, contract, update in (
        (record(submit), SubmitSeen, MessageSubmittedV1, submit_update),
        (record(status), StatusSeen, MessageStatusChangedV1, status_update),
    ):
        full, seen = decode_event(contract, value), decode_view(view, value)
        assert seen.id == full.id
        assert update(seen.id, seen.data) == update(full.id, full.data)


def test_a_record_that_is_not_the_event_is_poison_named_by_its_contract() -> None:
    with pytest.raises(PoisonRecord, match="not a valid MessageStatusChangedV1"):
        decode_view(StatusSeen, b'{"id": "1", "data": {"messageId": "nope"}}')
    with pytest.raises(PoisonRecord, match="not a valid MessageSubmittedV1"):
        decode_view(SubmitSeen, b"{not json")
