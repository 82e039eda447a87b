"""Events on Kafka: a CloudEvents 1.0 envelope (structured JSON) around versioned data.

Rules (see CONVENTIONS.md, Events): every model is frozen; within a version only
optional fields are added; a breaking change is a new class with a new `type`. The
envelope's `subject` is the message id, which is also the record key, so every event
of one message lands in one partition, in order.
"""

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from cpaas.contracts.enums import Channel, MessageStatus
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.ids import MESSAGE_ID_PATTERN

E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]
MessageId = Annotated[str, StringConstraints(pattern=MESSAGE_ID_PATTERN)]
SenderId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,11}$")]


class EventData(BaseModel):
    """Base of every event payload: camelCase on the wire, frozen, no unknown fields lost."""

    model_config = ConfigDict(
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        extra="allow",  # a newer producer's optional fields pass through an older consumer
    )
    event_type: ClassVar[str]


class FallbackLevel(EventData):
    """One fallback level: the channel to try next, with its own template and that
    template's own variables (a level's template numbers its placeholders for itself, so
    it never borrows the primary's). `variables` is None only in a level published before
    levels had their own (an older gateway, which accepted the request under the old
    rule): such a level is still sent with the primary's variables."""

    channel: Channel
    template_id: int
    sender_id: SenderId | None = None
    variables: dict[str, str] | None = None


class MessageSubmittedV1(EventData):
    """A message (or the next fallback level of one) accepted for sending on `channel`.

    Published by the gateway for attempt 1 and by the router for each fallback level,
    on `msg.submit.<channel>`. `fallback` lists the levels still to try after this one.
    """

    event_type: ClassVar[str] = "cpaas.message.submitted.v1"
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


class MessageStatusChangedV1(EventData):
    """A message's attempt moved to `status`; published on `msg.status`.

    Connectors publish SUBMITTED_OPERATOR, DELIVERED, READ, UNDELIVERED and FAILED for the
    attempt they sent; the router publishes RETRYING when it opens the next attempt.
    """

    event_type: ClassVar[str] = "cpaas.message.status_changed.v1"
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
    carrier_error_code: str | None = None  # the carrier's own code (SMPP err:, WhatsApp error code)
    segments: int | None = Field(default=None, ge=1)
    sender_id: str | None = None
    template_id: int | None = None
    campaign_id: int | None = None
    # fallback levels still to try after this attempt, when the publisher knows it (a connector
    # failing a send at once does); None: unknown (ask the router's chain)
    fallback_remaining: int | None = Field(default=None, ge=0, le=2)


class TemplateSubmittedV1(EventData):
    """A WhatsApp or RCS template to register with its provider; published by the console
    on `template.submitted` (keyed by the template id) when it is created or re-submitted."""

    event_type: ClassVar[str] = "cpaas.template.submitted.v1"
    template_id: int
    account_id: int
    channel: Channel
    name: str
    language: str = "en"
    category: str | None = None
    template_type: str
    body: str
    content: dict = Field(default_factory=dict)  # see cpaas.contracts.template_content
    waba_number_id: int | None = None
    rcs_bot_id: int | None = None
    submitted_at: datetime


class TemplateStatusChangedV1(EventData):
    """The provider's verdict on a template registration; published by the connector on
    `template.status` and applied by the console (the templates' single writer)."""

    event_type: ClassVar[str] = "cpaas.template.status_changed.v1"
    template_id: int
    account_id: int
    channel: Channel
    status: Literal["PENDING", "APPROVED", "REJECTED", "FAILED"]
    reason: str | None = None
    provider_template_id: str | None = None
    occurred_at: datetime


class MessageChargedV1(EventData):
    """One attempt of a message charged to its account; published by billing on
    `billing.charged` (keyed by the message id). Amounts are integer minor units.

    `amount_minor` is what the attempt costs now. When a provisional charge (WhatsApp,
    RCS, voice: billed only when delivered / answered) is refunded because the attempt
    ended FAILED or UNDELIVERED, the attempt is published again with `amount_minor` 0,
    `refunded_minor` the amount given back, `balance_after_minor` the balance after the
    refund and `charged_at` the refund's time: the latest event of an attempt is its cost."""

    event_type: ClassVar[str] = "cpaas.billing.charged.v1"
    message_id: MessageId
    account_id: int
    attempt: int = Field(ge=1, le=3)
    channel: Channel
    price_code: str  # e.g. SMS_SEGMENT, WA_MARKETING, WA_AUTH_INT, RCS_CAROUSEL, VOICE_CALL
    units: int = Field(ge=1)
    amount_minor: int = Field(ge=0)
    currency: str
    balance_after_minor: int
    charged_at: datetime
    refunded_minor: int = Field(default=0, ge=0)  # >0: the attempt's charge was refunded


class AiAlertV1(EventData):
    """An anomaly or spam alert raised or updated by the ai service's detectors; published on
    `ai.alert` (keyed by the account id) each time its condition is first seen and each time
    a persisting condition changes it (same `alert_id`, a later `updated_at`).

    `kind` is ANOMALY (Traffic Anomaly) or SPAM (Spam Detection); `alert_type` the detector
    (OTP_FLOOD, VELOCITY_SPIKE, FAILURE_SPIKE, NEW_DESTINATION, NUMBER_RANGE_CONCENTRATION,
    PREMIUM_RATE, SPAM_FAILURE_RATE, SPAM_SAME_CONTENT, SPAM_BLACKLIST_HITS, SPAM_NEW_SENDER);
    `subject_type` what it is about (ACCOUNT, SENDER, PREFIX, NUMBER, COUNTRY, CONTENT);
    `evidence` the numbers the detector saw (counts, rates, baseline)."""

    event_type: ClassVar[str] = "cpaas.ai.alert.v1"
    alert_id: int
    account_id: int
    kind: Literal["ANOMALY", "SPAM"]
    alert_type: str
    severity: int = Field(ge=0, le=100)
    subject_type: str
    subject: str
    window_start: datetime
    window_end: datetime
    evidence: dict = Field(default_factory=dict)
    status: Literal["ACTIVE", "ACKNOWLEDGED"]
    raised_at: datetime
    updated_at: datetime


DataT = TypeVar("DataT", bound=EventData)

SOURCE_PREFIX = "urn:cpaas:service:"


class CloudEvent(BaseModel, Generic[DataT]):
    """CloudEvents 1.0, structured content mode, JSON."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    datacontenttype: Literal["application/json"] = "application/json"
    data: DataT


_ENVELOPES: dict[type, type] = {}


def envelope_class(model: type[DataT]) -> type[CloudEvent[DataT]]:
    """`CloudEvent[model]`, built once per model (parametrizing a generic is slow)."""
    cls = _ENVELOPES.get(model)
    if cls is None:
        cls = _ENVELOPES[model] = CloudEvent[model]  # type: ignore[valid-type]
    return cls


def envelope(data: DataT, *, source: str, subject: str) -> CloudEvent[DataT]:
    """Wrap event data for publishing; `source` is the publishing service's name."""
    return envelope_class(type(data))(  # type: ignore[return-value]
        source=f"{SOURCE_PREFIX}{source}",
        type=data.event_type,
        subject=subject,
        data=data,
    )


EVENT_TYPES: dict[str, type[EventData]] = {
    model.event_type: model
    for model in (
        MessageSubmittedV1,
        MessageStatusChangedV1,
        TemplateSubmittedV1,
        TemplateStatusChangedV1,
        MessageChargedV1,
        AiAlertV1,
    )
}
