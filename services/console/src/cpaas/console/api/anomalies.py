"""The Traffic Anomaly and Spam Detection screens, for the logged-in user's account, answered
by the ai service's internal routes (`/internal/v1/accounts/{id}/...` with X-Service-Token):

- `GET  /api/anomalies`: the cards (risk level and score, fraud probability with its top
  reasons, anomalies 24 h and 1 h, active) and the paginated log (filters `type`, `status`);
- `POST /api/anomalies/detect`: Run Detection Now (anomalies and spam), answered with what it found;
- `POST /api/anomalies/{alert_id}/acknowledge`, `POST /api/spam/alerts/{alert_id}/acknowledge`;
- `GET  /api/spam/alerts`: the spam cards, the per-sender table of the last 24 h and the log;
- `GET  /api/fraud-holds`: the account's fraud holds (why a send is refused with FRAUD_HOLD);
- `GET  /api/admin/fraud-holds`, `POST /api/admin/fraud-holds/{hold_id}/release` (admin):
  every account's holds with their evidence, and the release (audit-logged).

The ai service down is 503 SERVICE_UNAVAILABLE (the screens say so and offer Retry)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from cpaas.console.ai_client import AiApi
from cpaas.console.api.deps import Acting, Admin, ApiModel, Page, PageNo, PageSize, PathId, Store, User
from cpaas.console.domain.audit import Action
from cpaas.contracts.submit import MAX_ID

RiskLevel = Literal["LOW", "MEDIUM", "HIGH"]
Status = Literal["ACTIVE", "ACKNOWLEDGED"]
HoldStatus = Literal["ACTIVE", "RELEASED"]
AlertType = Annotated[str | None, Query(max_length=64, description="OTP_FLOOD, VELOCITY_SPIKE, SPAM_FAILURE_RATE, ...")]


def anomaly_api(request: Request) -> AiApi:
    settings = request.app.state.settings
    return AiApi(request.app.state.apis.http, settings.ai_url, settings.service_token)


Ai = Annotated[AiApi, Depends(anomaly_api)]


class FraudReason(ApiModel):
    feature: str
    reason: str
    value: float
    weight: float


class Alert(ApiModel):
    id: int
    kind: Literal["ANOMALY", "SPAM"]
    type: str
    severity: int = Field(..., description="0-100")
    subject_type: str = Field(..., description="ACCOUNT, SENDER, NUMBER, PREFIX, COUNTRY or CONTENT")
    subject: str
    window_start: datetime
    window_end: datetime
    evidence: dict
    status: Status
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None


class AnomalySummary(ApiModel):
    risk_level: RiskLevel
    risk_score: int
    fraud_probability: float
    fraud_reasons: list[FraudReason]
    scored_at: datetime | None
    anomalies_24h: int = Field(alias="anomalies24h")
    anomalies_1h: int = Field(alias="anomalies1h")
    active: int


class AnomalyPage(Page):
    summary: AnomalySummary
    items: list[Alert]


class SenderActivity(ApiModel):
    sender_id: str
    messages: int
    delivered: int
    failed: int
    delivery_rate: float
    failure_rate: float


class SpamSummary(ApiModel):
    risk_level: RiskLevel
    risk_score: int
    alerts_24h: int = Field(alias="alerts24h")
    alerts_1h: int = Field(alias="alerts1h")
    active: int
    active_senders_24h: int = Field(alias="activeSenders24h")


class SpamPage(Page):
    summary: SpamSummary
    senders: list[SenderActivity]
    items: list[Alert]


class FraudHold(ApiModel):
    """A fraud guard hold: the account's sends to `subject` are refused with FRAUD_HOLD."""

    id: int
    account_id: int
    subject_type: Literal["PREFIX", "COUNTRY"] = Field(
        ..., description="PREFIX: a number range (the number without its last 4 digits); COUNTRY: ISO region"
    )
    subject: str
    alert_type: str
    alert_id: int | None
    probability: float
    reasons: list[FraudReason]
    evidence: dict
    status: Literal["ACTIVE", "RELEASED"]
    created_at: datetime
    released_at: datetime | None = None
    released_by: str | None = None
    release_note: str | None = None


class FraudHoldPage(Page):
    items: list[FraudHold]


class ReleaseIn(ApiModel):
    note: str | None = Field(None, max_length=1000, description="why it is released (kept with the hold)")


class DetectResult(ApiModel):
    found: list[Alert]
    anomalies: int
    spam_alerts: int
    fraud_probability: float
    fraud_reasons: list[FraudReason]
    holds_placed: list[FraudHold] = []


def _query(page: int, page_size: int, type: str | None, status: str | None) -> dict:
    return {"page": page, "pageSize": page_size, "type": type, "status": status}


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.get("/anomalies", response_model=AnomalyPage, tags=["anomalies"])
    async def list_anomalies(
        user: User,
        ai: Ai,
        type: AlertType = None,
        status: Status | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> dict:
        return await ai.account("GET", user.account_id, "/anomalies", _query(page, page_size, type, status))

    @router.post("/anomalies/detect", response_model=DetectResult, tags=["anomalies"])
    async def detect_now(user: User, ai: Ai) -> dict:
        return await ai.account("POST", user.account_id, "/anomalies/detect")

    @router.post("/anomalies/{alert_id}/acknowledge", response_model=Alert, tags=["anomalies"])
    async def acknowledge_anomaly(alert_id: PathId, user: User, ai: Ai) -> dict:
        return await ai.account("POST", user.account_id, f"/anomalies/{alert_id}/acknowledge")

    @router.get("/spam/alerts", response_model=SpamPage, tags=["spam"])
    async def list_spam_alerts(
        user: User,
        ai: Ai,
        type: AlertType = None,
        status: Status | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> dict:
        return await ai.account("GET", user.account_id, "/spam/alerts", _query(page, page_size, type, status))

    @router.post("/spam/alerts/{alert_id}/acknowledge", response_model=Alert, tags=["spam"])
    async def acknowledge_spam_alert(alert_id: PathId, user: User, ai: Ai) -> dict:
        return await ai.account("POST", user.account_id, f"/spam/alerts/{alert_id}/acknowledge")

    @router.get("/fraud-holds", response_model=FraudHoldPage, tags=["anomalies"])
    async def account_fraud_holds(
        user: User, ai: Ai, status: HoldStatus | None = None, page: PageNo = 1, page_size: PageSize = 20
    ) -> dict:
        """The user's account's fraud holds: why sends to a destination are refused."""
        params = {"status": status, "page": page, "pageSize": page_size}
        return await ai.account("GET", user.account_id, "/fraud-holds", params)

    @router.get("/admin/fraud-holds", response_model=FraudHoldPage, tags=["admin"])
    async def every_fraud_hold(
        admin: Admin,
        ai: Ai,
        status: HoldStatus | None = None,
        account_id: Annotated[int | None, Query(alias="accountId", ge=1, le=MAX_ID)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> dict:
        """Every account's fraud holds with their evidence, for the admin."""
        params = {"status": status, "accountId": account_id, "page": page, "pageSize": page_size}
        return await ai.internal("GET", "/fraud-holds", params=params)

    @router.post("/admin/fraud-holds/{hold_id}/release", response_model=FraudHold, tags=["admin"])
    async def release_fraud_hold(
        hold_id: PathId, body: ReleaseIn, admin: Admin, ai: Ai, store: Store, actor: Acting
    ) -> dict:
        """Release a hold: the account's sends to its destination go through again (and it
        is not held again within the release grace). Recorded in the audit log."""
        hold = await ai.internal(
            "POST", f"/fraud-holds/{hold_id}/release", json={"releasedBy": admin.username, "note": body.note}
        )
        changes = {"holdId": hold_id, "subject": f"{hold['subjectType']} {hold['subject']}", "note": body.note}
        await store.audit.record(Action.FRAUD_HOLD_RELEASED, actor, hold["accountId"], changes)
        return hold

    return router
