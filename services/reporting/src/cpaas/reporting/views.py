"""What the message log reads of a record: views of the submit and status events with the
contract's fields and types (tests/unit/test_views.py holds them to it), the CloudEvents
envelope reduced to its id. The rest of a record (the envelope's source, type, time and
subject, a status's fallback_remaining, unknown fields) is not decoded: validating the
envelope's fields cost about a third of a record's decoding (bench/reports.py)."""

import uuid
from datetime import datetime
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from cpaas.contracts import Channel, FallbackLevel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.events import E164, MessageId, SenderId
from cpaas.platform.broker import PoisonRecord


class _Seen(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore")


class SubmitSeen(_Seen):
    """A MessageSubmittedV1 as the log writes it (every field the log keeps)."""

    event_type: ClassVar[str] = MessageSubmittedV1.event_type
    message_id: MessageId
    account_id: int
    channel: Channel
    recipient: E164
    template_id: int
    template_name: str | None = None
    sender_id: SenderId | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    attempt: int = Field(default=1, ge=1, le=3)
    fallback: list[FallbackLevel] = Field(default_factory=list, max_length=2)
    campaign_id: int | None = None
    submitted_at: datetime


class StatusSeen(_Seen):
    """A MessageStatusChangedV1 as the log writes it (all but fallback_remaining)."""

    event_type: ClassVar[str] = MessageStatusChangedV1.event_type
    message_id: MessageId
    account_id: int
    channel: Channel
    attempt: int = Field(default=1, ge=1, le=3)
    status: MessageStatus
    recipient: E164
    occurred_at: datetime
    carrier_message_id: str | None = None
    error_code: ErrorCode | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None
    segments: int | None = Field(default=None, ge=1)
    sender_id: str | None = None
    template_id: int | None = None
    campaign_id: int | None = None


SeenT = TypeVar("SeenT", SubmitSeen, StatusSeen)


class Seen(BaseModel, Generic[SeenT]):
    """A record's envelope: its id (as CloudEvent's, a new one when absent) and its data."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    data: SeenT


_ENVELOPES = {view: Seen[view] for view in (SubmitSeen, StatusSeen)}
_CONTRACTS = {SubmitSeen: MessageSubmittedV1, StatusSeen: MessageStatusChangedV1}


def decode_view(view: type[SeenT], value: bytes) -> Seen[SeenT]:
    """The record as `view` in its envelope; PoisonRecord when it is not such an event (the
    message names the contract, as cpaas.platform.broker.decode_event does)."""
    try:
        return _ENVELOPES[view].model_validate_json(value)
    except ValidationError as exc:
        raise PoisonRecord(f"not a valid {_CONTRACTS[view].__name__}: {exc.error_count()} errors") from exc
