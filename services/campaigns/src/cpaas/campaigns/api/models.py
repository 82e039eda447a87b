"""The shapes of the campaigns API (camelCase on the wire), published in its OpenAPI."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from cpaas.campaigns.domain.request import NAME_PATTERN
from cpaas.campaigns.store import Campaign
from cpaas.contracts import Channel
from cpaas.contracts.submit import MAX_ID, SenderIdIn


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class CampaignForm(_Model):
    """The form fields of POST /api/v1/campaigns (besides `file`)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    name: Annotated[str, StringConstraints(strip_whitespace=True, pattern=NAME_PATTERN)] = Field(
        description="Unique in the account, e.g. diwali_promo_2025 (letters, digits, space, _ . -; up to 100)"
    )
    channel: Channel
    template_id: int = Field(gt=0, le=MAX_ID)
    sender_id: SenderIdIn | None = None

    @field_validator("channel", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("sender_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class FallbackView(_Model):
    channel: Channel
    template_id: int
    sender_id: str | None = None
    variable_count: int | None = Field(
        None,
        description="How many of the file's variable columns this level takes: they follow the primary's"
        " and the earlier levels' (null: a campaign from before, every level on the primary's columns)",
    )


class RejectedRow(_Model):
    line: int = Field(description="Line of the file (1-based; the header is line 1 when there is one)")
    code: str = Field(
        description="INVALID_NUMBER, WRONG_VARIABLE_COUNT, INVALID_VARIABLE, DUPLICATE, BLACKLISTED, INVALID_UTF8"
    )
    reason: str
    row: str = Field(description="The row as written (first 300 characters)")
    stage: str = Field(description="VALIDATION (the file check) or DISPATCH (refused when sending)")


class CampaignView(_Model):
    id: int
    name: str
    channel: Channel
    template_id: int
    template_name: str
    sender_id: str | None
    fallback: list[FallbackView]
    status: str = Field(description="CREATED, QUEUED, PROCESSING, COMPLETED, FAILED, PAUSED or CANCELLED")
    status_reason: str | None = Field(description="Why it failed, is paused, or waits (schedule, quiet hours)")
    pause_code: str | None
    waiting_until: datetime | None = Field(description="When a waiting campaign goes on (quiet hours, schedule)")
    scheduled_at: datetime | None
    time_zone: str
    promotional: bool = Field(description="A level is promotional (SMS MIC, WhatsApp MARKETING): quiet hours apply")
    file_name: str | None
    file_bytes: int
    total: int = Field(description="Rows of the file (recipients), header and blank lines not counted")
    processed: int = Field(description="Rows done: rejected + refused + sent")
    failed: int = Field(description="Rows that did not reach their recipient: rejected + refused + undelivered")
    rejected: int = Field(description="Rows refused by the file check")
    refused: int = Field(description="Rows refused when sending (blacklisted since the check)")
    sent: int = Field(description="Messages published to their channel")
    delivered: int = Field(description="Messages delivered (or read), from the status stream, each once")
    undelivered: int = Field(description="Messages failed on every level, from the status stream, each once")
    estimated_units: int = Field(description="SMS segments (other channels: messages) the good rows need")
    progress: float = Field(description="processed / total, 0 to 1")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    rejected_rows: list[RejectedRow] | None = Field(
        None, description="The first rejected rows (GET of one campaign); all of them: rejected.csv"
    )

    @classmethod
    def of(cls, campaign: Campaign, rejected_rows: list | None = None) -> "CampaignView":
        return cls(
            id=campaign.id,
            name=campaign.name,
            channel=Channel(campaign.channel),
            template_id=campaign.template_id,
            template_name=campaign.template_name,
            sender_id=campaign.sender_id,
            fallback=[FallbackView.model_validate(f) for f in campaign.fallback],
            status=campaign.status.value,
            status_reason=campaign.status_reason,
            pause_code=campaign.pause_code,
            waiting_until=campaign.waiting_until,
            scheduled_at=campaign.scheduled_at,
            time_zone=campaign.time_zone,
            promotional=campaign.promotional,
            file_name=campaign.file_name,
            file_bytes=campaign.file_bytes,
            total=campaign.total,
            processed=campaign.processed,
            failed=campaign.failed,
            rejected=campaign.rejected,
            refused=campaign.refused,
            sent=campaign.sent,
            delivered=campaign.delivered,
            undelivered=campaign.undelivered,
            estimated_units=campaign.estimated_units,
            progress=round(campaign.processed / campaign.total, 4) if campaign.total else 0.0,
            created_at=campaign.created_at,
            updated_at=campaign.updated_at,
            started_at=campaign.started_at,
            completed_at=campaign.completed_at,
            rejected_rows=None
            if rejected_rows is None
            else [
                RejectedRow(line=r["line"], code=r["code"], reason=r["reason"], row=r["shown"], stage=r["stage"])
                for r in rejected_rows
            ],
        )


class CampaignPage(_Model):
    items: list[CampaignView]
    page: int
    page_size: int
    total: int


class RejectedPage(_Model):
    items: list[RejectedRow]
    page: int
    page_size: int
    total: int
