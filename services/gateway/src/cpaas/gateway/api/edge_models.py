"""The shapes of the routes the gateway forwards (campaigns, templates, sender IDs,
blacklist, billing, compliance and AI Assist), as they are published in its OpenAPI
document. The services that answer those routes own them; the gateway passes their
answers through unchanged, so these models document and never re-validate.
`tests/unit/test_edge_models.py` holds them to the owners' own models, field by field."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

ChannelName = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]


class _Shape(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class _Page(_Shape):
    page: int
    page_size: int
    total: int


# campaigns (the campaigns service)
class CampaignFallback(_Shape):
    channel: ChannelName
    template_id: int
    sender_id: str | None = None
    variable_count: int | None = Field(
        None, description="How many of the file's variable columns this level takes, after the earlier levels'"
    )


class RejectedRow(_Shape):
    line: int = Field(description="Line of the file (1-based; the header is line 1 when there is one)")
    code: str = Field(
        description="INVALID_NUMBER, WRONG_VARIABLE_COUNT, INVALID_VARIABLE, DUPLICATE, BLACKLISTED, INVALID_UTF8"
    )
    reason: str
    row: str = Field(description="The row as written (first 300 characters)")
    stage: str = Field(description="VALIDATION (the file check) or DISPATCH (refused when sending)")


class Campaign(_Shape):
    id: int
    name: str
    channel: ChannelName
    template_id: int
    template_name: str
    sender_id: str | None
    fallback: list[CampaignFallback]
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


class CampaignPage(_Page):
    items: list[Campaign]


class RejectedPage(_Page):
    items: list[RejectedRow]


# templates, sender IDs, blacklist (the console)
class TemplateIn(_Shape):
    name: str = Field(description="Lower case letters, digits and _, e.g. order_shipped")
    channel: ChannelName
    body: str = Field(description="SMS: DLT placeholders {#var#}; WhatsApp and RCS: {{1}}, {{2}} ...")
    category: str | None = Field(None, description="SMS: UIC, MIC, SIC, Auth; WhatsApp: MARKETING, UTILITY, ...")
    template_type: str | None = None
    dlt_template_id: str | None = Field(None, description="SMS: the DLT template id")
    language: str = "en"
    content: dict = Field({}, description="WhatsApp header, footer and buttons; RCS suggestions and cards")
    waba_number_id: int | None = Field(None, description="WhatsApp: which WABA number (default: the active one)")
    rcs_bot_id: int | None = Field(None, description="RCS: which bot (default: the active one)")
    confirm_high_risk: bool = Field(
        False, description="Submit even when the compliance check finds HIGH risk (where the operator requires it)"
    )


class Template(_Shape):
    id: int
    name: str
    channel: ChannelName
    content_preview: str
    identity: str | None = Field(
        description="WhatsApp: the WABA number; RCS: the bot; SMS: the approved sender IDs (else the DLT ID);"
        " voice: the caller ID"
    )
    category: str | None
    template_type: str
    status: Literal["PENDING", "APPROVED", "REJECTED", "FAILED"] = Field(
        description="The admin's review (SMS and voice: APPROVED at once)"
    )
    status_reason: str | None = Field(description="Why it was rejected or failed")
    provider_status: Literal["PENDING", "APPROVED", "FAILED"] | None = Field(
        None, description="WhatsApp and RCS: the provider's own review (Meta, RBM), null until registered"
    )
    provider_reason: str | None = Field(None, description="The provider's reason (and recommendation)")
    usable: bool = Field(False, description="May be sent: the admin and (WhatsApp, RCS) the provider approved it")
    created_at: datetime
    updated_at: datetime
    body: str
    dlt_template_id: str | None
    language: str
    content: dict
    waba_number_id: int | None
    rcs_bot_id: int | None
    placeholders: int


class TemplatePage(_Page):
    items: list[Template]


class SenderIdIn(_Shape):
    sender_id: str = Field(description="The DLT header: 1-11 letters or digits")
    pe_id: str = Field(description="The DLT Principal Entity ID, digits")


class SenderId(_Shape):
    id: int
    sender_id: str
    pe_id: str
    status: Literal["PENDING", "APPROVED", "REJECTED"]
    status_reason: str | None
    created_at: datetime
    reviewed_at: datetime | None


class SenderIdPage(_Page):
    items: list[SenderId]


class BlacklistIn(_Shape):
    recipient: str = Field(description="A phone number in international format, e.g. +919876543210")


class BlacklistEntry(_Shape):
    recipient: str
    created_at: datetime


class BlacklistPage(_Page):
    items: list[BlacklistEntry]


# balance and transactions (billing)
class Balance(_Shape):
    account_id: int
    balance_minor: int = Field(description="In minor units of the currency (paise)")
    currency: str
    updated_at: datetime | None


class Transaction(_Shape):
    id: int
    kind: Literal["CHARGE", "CREDIT", "DEBIT"]
    amount_minor: int = Field(description="Signed change of the balance, in minor units")
    balance_after_minor: int
    currency: str
    created_at: datetime
    reason: str | None = None
    actor: str | None = None
    message_id: str | None = None
    attempt: int | None = None
    channel: str | None = None
    price_code: str | None = None
    category: str | None = Field(None, description="WhatsApp charges: UIC, MIC, SIC, Auth, Auth INT")
    units: int | None = None
    unit_price_minor: int | None = None


class TransactionPage(_Page):
    items: list[Transaction]


# compliance check and AI Assist (the ai service)
class ComplianceCheckIn(_Shape):
    text: str = Field(description="The template or message text")
    channel: ChannelName
    category: str | None = Field(None, description="UIC, MIC, SIC, Auth (SMS); MARKETING, UTILITY, AUTHENTICATION")


class Span(_Shape):
    start: int
    end: int
    text: str


class ComplianceWarning(_Shape):
    check: str = Field(description="CHECK-1 ... CHECK-9")
    title: str
    span: Span = Field(description="The text that triggered the rule")
    suggestion: str = Field(description="The offending phrase rewritten")
    confidence: float
    source: Literal["rule", "model"]


class ComplianceCheck(_Shape):
    risk_score: int = Field(description="0-100")
    risk_level: Literal["LOW", "MEDIUM", "HIGH"]
    warnings: list[ComplianceWarning]


class AssistIn(_Shape):
    channel: ChannelName
    name: str = Field(description="The template name: its topic (otp_alert, diwali_offer_2025, order_shipped)")
    category: str | None = None
    instructions: str | None = Field(None, description='e.g. "formal tone", "include a discount offer", "in Hindi"')


class Assist(_Shape):
    drafts: list[dict] = Field(description="Distinct drafts of the form's fields, each compliance-checked")
    engine: Literal["local", "llm"]
    fallback_reason: str | None = Field(None, description="Why the configured model was not used")
    llm_report: dict | None = None


# Traffic Anomaly and Spam Detection (the ai service)
RiskLevel = Literal["LOW", "MEDIUM", "HIGH"]
AlertStatus = Literal["ACTIVE", "ACKNOWLEDGED"]


class FraudReason(_Shape):
    feature: str
    reason: str = Field(description="The feature in words, e.g. OTP messages to one number in 10 min")
    value: float
    weight: float = Field(description="Its share of the model's score")


class Alert(_Shape):
    id: int
    kind: Literal["ANOMALY", "SPAM"]
    type: str = Field(
        description="Anomalies: OTP_FLOOD, VELOCITY_SPIKE, FAILURE_SPIKE, NEW_DESTINATION, NUMBER_RANGE_CONCENTRATION,"
        " PREMIUM_RATE; spam: SPAM_FAILURE_RATE, SPAM_SAME_CONTENT, SPAM_BLACKLIST_HITS, SPAM_NEW_SENDER and the"
        " content ones"
    )
    severity: int = Field(description="0-100")
    subject_type: str = Field(description="ACCOUNT, SENDER, NUMBER, PREFIX, COUNTRY or CONTENT")
    subject: str
    window_start: datetime
    window_end: datetime
    evidence: dict = Field(description="The numbers the detector saw (counts, rates, baselines, thresholds)")
    status: AlertStatus
    raised_at: datetime
    updated_at: datetime = Field(description="Last seen: a condition that persists updates its alert")
    acknowledged_at: datetime | None = None


class AnomalySummary(_Shape):
    risk_level: RiskLevel = Field(description="LOW below 30, MEDIUM from 30, HIGH from 60 of the risk score")
    risk_score: int = Field(description="The highest severity of the last 24 h, 0-100")
    fraud_probability: float = Field(description="0.00-1.00, the fraud model's latest score of the account")
    fraud_reasons: list[FraudReason] = Field(description="The top reasons of that probability")
    scored_at: datetime | None
    anomalies_24h: int = Field(alias="anomalies24h")
    anomalies_1h: int = Field(alias="anomalies1h")
    active: int = Field(description="Anomalies of the last 24 h not acknowledged")


class AnomalyPage(_Page):
    summary: AnomalySummary
    items: list[Alert]


class SenderActivity(_Shape):
    sender_id: str
    messages: int
    delivered: int
    failed: int
    delivery_rate: float = Field(description="delivered / (delivered + failed), 0-1")
    failure_rate: float = Field(description="failed / (delivered + failed), 0-1")


class SpamSummary(_Shape):
    risk_level: RiskLevel
    risk_score: int
    alerts_24h: int = Field(alias="alerts24h")
    alerts_1h: int = Field(alias="alerts1h")
    active: int
    active_senders_24h: int = Field(alias="activeSenders24h")


class SpamPage(_Page):
    summary: SpamSummary
    senders: list[SenderActivity] = Field(description="Each sender ID used in the last 24 h")
    items: list[Alert]


class FraudHold(_Shape):
    """A fraud guard hold: the account's sends to `subject` are refused with 403 FRAUD_HOLD
    until an admin releases it."""

    id: int
    account_id: int
    subject_type: Literal["PREFIX", "COUNTRY"] = Field(
        description="PREFIX: the number range (the number without its last 4 digits); COUNTRY: ISO region"
    )
    subject: str
    alert_type: str = Field(description="The detector's finding that named it, e.g. NUMBER_RANGE_CONCENTRATION")
    alert_id: int | None
    probability: float = Field(description="The account's fraud probability when the hold was placed")
    reasons: list[FraudReason]
    evidence: dict
    status: Literal["ACTIVE", "RELEASED"]
    created_at: datetime
    released_at: datetime | None = None
    released_by: str | None = None
    release_note: str | None = None


class FraudHoldPage(_Page):
    items: list[FraudHold]


class DetectResult(_Shape):
    found: list[Alert] = Field(description="Every condition seen now, new or persisting")
    anomalies: int
    spam_alerts: int
    fraud_probability: float
    fraud_reasons: list[FraudReason]
    holds_placed: list[FraudHold] = Field([], description="The fraud holds this run placed")


REQUEST_MODELS = (TemplateIn, SenderIdIn, BlacklistIn, ComplianceCheckIn, AssistIn)
