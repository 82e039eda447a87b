"""The subscriber decodes only what the detectors read of each event (`SubmitSeen`,
`StatusSeen`); those fields must be the contract's own, with the contract's types, so that
what the view accepts and what the contract accepts cannot drift apart."""

import pytest
from pydantic import BaseModel

from cpaas.ai.handlers import StatusSeen, SubmitSeen, decode_view
from cpaas.contracts import (
    Channel,
    MessageStatus,
    MessageStatusChangedV1,
    MessageSubmittedV1,
    envelope,
)
from cpaas.platform.broker import PoisonRecord


@pytest.mark.parametrize("view, contract", [(SubmitSeen, MessageSubmittedV1), (StatusSeen, MessageStatusChangedV1)])
def test_each_field_of_a_view_is_the_contracts_field_with_the_same_type_and_default(
    view: type[BaseModel], contract: type[BaseModel]
):
    for name, field in view.model_fields.items():
        theirs = contract.model_fields[name]
        assert field.annotation == theirs.annotation, name
        assert field.metadata == theirs.metadata, name
        assert field.is_required() == theirs.is_required(), name
        assert field.alias == theirs.alias, name


def test_a_view_reads_what_the_contract_wrote_and_refuses_what_it_would_refuse():
    event = MessageStatusChangedV1(
        message_id="msg_01M6CRXDZCC5SVHH36AMY1Q7RJ",
        account_id=2,
        channel=Channel.SMS,
        status=MessageStatus.DELIVERED,
        recipient="+917200780963",
        occurred_at="2026-12-03T16:35:12+05:30",
        sender_id="ABCDEF",
        template_id=23,
        campaign_id=9,
    )
    value = envelope(event, source="test", subject=event.message_id).model_dump_json().encode()
    seen = decode_view(StatusSeen, value)
    assert (seen.message_id, seen.account_id, seen.status, seen.recipient, seen.template_id) == (
        event.message_id,
        2,
        MessageStatus.DELIVERED,
        "+917200780963",
        23,
    )
    assert seen.occurred_at == event.occurred_at
    for bad in (
        value.replace(b'"+917200780963"', b'"917200780963"'),  # not E.164
        value.replace(b'"DELIVERED"', b'"GONE"'),
        value.replace(b'"accountId":2', b'"accountId":"two"'),
        b"not json",
        b'{"data": {}}',
    ):
        with pytest.raises(PoisonRecord):
            decode_view(StatusSeen, bad)
