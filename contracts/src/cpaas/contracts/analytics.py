"""The analytics read side's shapes (issue 25): what the Report Summary and Campaign
Intelligence pages, the dashboard's AI insights card and `/api/v1/analytics/*` answer.

They are computed from reporting's rollups (never from a scan of the message log) by
`cpaas.message_log.analytics`, in the account's time zone; the insights engine (the ai
service's own, or a configured model writing prose from the same facts) takes an
`Intelligence` and answers `Insights`. Counts are of messages by their final state
(the state of their latest attempt): `delivered` is DELIVERED or READ, `failed` is FAILED
or UNDELIVERED, `pending` is every other status (SUBMITTED, SUBMITTED_OPERATOR,
RETRYING). A rate is delivered / total as a fraction 0..1, or None when total is 0.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Bucket = Literal["hour", "day", "week"]
InsightKind = Literal[
    "best_window",  # the best sending hours per channel
    "underperforming_channel",  # a channel whose delivery rate trails the best one
    "underperforming_sender",  # a sender ID whose delivery rate trails the account's
    "failure_cause",  # a top error code, with what to do about it
    "quiet_hours",  # campaign traffic inside TRAI's promotional quiet hours (21:00-09:00 IST)
    "volume",  # traffic too thin to conclude anything / volume trend
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Counts(_Model):
    total: int = Field(ge=0)
    delivered: int = Field(ge=0)
    failed: int = Field(ge=0)
    pending: int = Field(ge=0)
    rate: float | None = Field(None, ge=0, le=1, description="delivered / total; None when total is 0")


class SummaryBucket(Counts):
    start: datetime = Field(description="the bucket's start, in the account's time zone (offset-aware)")


class ChannelCounts(Counts):
    channel: str


class AnalyticsSummary(_Model):
    """Report Summary: volume, success rate and channel breakdown over [range_from, range_to)."""

    account_id: int
    time_zone: str
    range_from: datetime
    range_to: datetime
    bucket: Bucket
    channel: str | None = None
    totals: Counts
    statuses: dict[str, int] = Field(description="messages by final status, every status of the guide present")
    buckets: list[SummaryBucket] = Field(description="every bucket of the range, empty ones as zeros, in order")
    channels: list[ChannelCounts]


class ChannelPerformance(Counts):
    channel: str
    enough_volume: bool = Field(description="total >= Intelligence.min_volume: may be named Best Channel")


class HourPerformance(Counts):
    hour: int = Field(ge=0, le=23, description="hour of day in the account's time zone")
    by_channel: dict[str, int] = Field(default_factory=dict, description="messages per channel in this hour")


class HeatCell(_Model):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    hour: int = Field(ge=0, le=23)
    total: int = Field(ge=0)


class SenderPerformance(Counts):
    sender_id: str
    channel: str


class FailureCause(_Model):
    error_code: str
    channel: str
    count: int = Field(ge=0)
    share: float = Field(ge=0, le=1, description="of all failed messages in the window")


class QuietHours(_Model):
    campaign_messages: int = Field(ge=0, description="campaign messages in the window")
    in_quiet_hours: int = Field(ge=0, description="of them, created between 21:00 and 09:00 IST")
    share: float | None = Field(None, ge=0, le=1)


class Intelligence(_Model):
    """Campaign Intelligence's facts: the cards, the charts, and what the insights cite."""

    account_id: int
    time_zone: str
    generated_at: datetime
    window_days: int = Field(description="the window of channels, senders, failures and heatmap (days)")
    min_volume: int = Field(description="the volume a channel or hour needs to be named best (stated on the page)")
    total_messages: int = Field(ge=0, description="all time (within retention)")
    avg_delivery_rate: float | None = Field(None, ge=0, le=1)
    best_channel: ChannelPerformance | None = None
    best_hour: HourPerformance | None = None
    channels: list[ChannelPerformance]
    hours_last_7_days: list[HourPerformance] = Field(description="24 entries, hour 0..23, summed over the last 7 days")
    heatmap: list[HeatCell] = Field(description="7 x 24 cells over the window")
    senders: list[SenderPerformance]
    failure_causes: list[FailureCause]
    quiet_hours: QuietHours


class CampaignPerformance(_Model):
    campaign_id: int
    name: str
    status: str
    total: int = Field(ge=0, description="records in the campaign")
    processed: int = Field(ge=0)
    failed: int = Field(ge=0)
    delivered: int = Field(ge=0, description="messages of the campaign delivered (rollups)")
    delivery_rate: float | None = Field(None, ge=0, le=1)
    created_at: datetime | None = None


class CampaignPerformancePage(_Model):
    items: list[CampaignPerformance]
    total: int
    page: int
    page_size: int


class Insight(_Model):
    kind: InsightKind
    severity: Literal["info", "warning"]
    title: str
    text: str = Field(description="the recommendation; every number in it is one of `facts`")
    facts: dict[str, float | int | str] = Field(description="the computed numbers the text cites")


class Insights(_Model):
    engine: Literal["builtin", "llm"]
    model: str | None = None
    generated_at: datetime
    insights: list[Insight]


__all__ = [
    "AnalyticsSummary",
    "Bucket",
    "CampaignPerformance",
    "CampaignPerformancePage",
    "ChannelCounts",
    "ChannelPerformance",
    "Counts",
    "FailureCause",
    "HeatCell",
    "HourPerformance",
    "Insight",
    "InsightKind",
    "Insights",
    "Intelligence",
    "QuietHours",
    "SenderPerformance",
    "SummaryBucket",
]
