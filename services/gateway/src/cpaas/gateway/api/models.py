"""The response shapes of the gateway's reports API (the submit shapes are in cpaas.contracts.submit)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, extra="forbid")


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class MessageReport(ApiModel):
    message_id: str
    account_id: int
    recipient: str
    channel: str
    primary_channel: str
    attempt: int
    status: str
    template_id: int | None
    template: str | None
    sender_id: str | None
    campaign_id: int | None
    cost: str | None = Field(description="Amount charged, in the account's currency (decimal string)")
    currency: str | None
    segments: int | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    error_code: str | None = Field(description="The carrier's error code when it gave one, else ours")
    error_detail: str | None


class ReportPage(ApiModel):
    items: list[MessageReport]
    page: int
    page_size: int
    total: int


class AttemptReport(ApiModel):
    attempt: int
    channel: str
    status: str
    template_id: int | None
    sender_id: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    error_code: str | None
    cost: str | None
    provider_sent_at: datetime | None = Field(None, description="The send time as the carrier or provider reported it")
    provider_delivered_at: datetime | None = Field(None, description="The delivery time as reported")
    provider_read_at: datetime | None = Field(None, description="The read time as reported")


class StatusEventReport(ApiModel):
    attempt: int
    channel: str
    status: str
    occurred_at: datetime = Field(
        description="In causal order: never before the step before it nor the message's creation"
    )
    provider_at: datetime | None = Field(None, description="The time the event itself carried (the provider's clock)")
    error_code: str | None


class MessageDetail(MessageReport):
    attempts: list[AttemptReport]
    history: list[StatusEventReport]
