"""The Traffic Anomaly and Spam Detection API, for a trusted service (the gateway, the
console) acting for the account in the path, with the shared X-Service-Token:

- `GET  /internal/v1/accounts/{id}/anomalies`: the cards (risk level and score, fraud
  probability with its top reasons, anomalies 24 h and 1 h, active) and the paginated log
  (filters `type`, `status`);
- `POST /internal/v1/accounts/{id}/anomalies/detect`: Run Detection Now; answers with what
  it found (anomalies and spam alerts) and the fraud probability;
- `POST /internal/v1/accounts/{id}/anomalies/{alertId}/acknowledge` (also under `/spam/alerts/`);
- `GET  /internal/v1/accounts/{id}/spam/alerts`: the cards (risk level and score, alerts 24 h
  and 1 h, active senders 24 h), the per-sender table of the last 24 h and the paginated log.

Risk Level: LOW below 30, MEDIUM from 30, HIGH from 60 (`MEDIUM_FROM`, `HIGH_FROM`), of the
Risk Score, the highest severity of the last 24 h."""

import hmac
import json
from datetime import UTC, datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from cpaas.ai.detection import Detection
from cpaas.ai.store import AlertFilter, AnomalyStore
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

MEDIUM_FROM, HIGH_FROM = 30, 60
AccountId = Annotated[int, Path(ge=1, le=2**62)]
Status = Literal["ACTIVE", "ACKNOWLEDGED"]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class Reason(CamelModel):
    feature: str
    reason: str
    value: float
    weight: float


class Alert(CamelModel):
    id: int
    kind: Literal["ANOMALY", "SPAM"]
    type: str
    severity: int
    subject_type: str
    subject: str
    window_start: datetime
    window_end: datetime
    evidence: dict
    status: Status
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None


class AnomalySummary(CamelModel):
    risk_level: Literal["LOW", "MEDIUM", "HIGH"]
    risk_score: int
    fraud_probability: float
    fraud_reasons: list[Reason]
    scored_at: datetime | None
    anomalies_24h: int = Field(alias="anomalies24h")
    anomalies_1h: int = Field(alias="anomalies1h")
    active: int


class AnomalyPage(CamelModel):
    summary: AnomalySummary
    items: list[Alert]
    page: int
    page_size: int
    total: int


class SenderRow(CamelModel):
    sender_id: str
    messages: int
    delivered: int
    failed: int
    delivery_rate: float
    failure_rate: float


class SpamSummary(CamelModel):
    risk_level: Literal["LOW", "MEDIUM", "HIGH"]
    risk_score: int
    alerts_24h: int = Field(alias="alerts24h")
    alerts_1h: int = Field(alias="alerts1h")
    active: int
    active_senders_24h: int = Field(alias="activeSenders24h")


class SpamPage(CamelModel):
    summary: SpamSummary
    senders: list[SenderRow]
    items: list[Alert]
    page: int
    page_size: int
    total: int


class FraudHold(CamelModel):
    """A fraud guard hold: sends from the account to `subject` are refused with FRAUD_HOLD."""

    id: int
    account_id: int
    subject_type: Literal["PREFIX", "COUNTRY"]
    subject: str
    alert_type: str
    alert_id: int | None
    probability: float
    reasons: list[Reason]
    evidence: dict
    status: Literal["ACTIVE", "RELEASED"]
    created_at: datetime
    released_at: datetime | None = None
    released_by: str | None = None
    release_note: str | None = None


class FraudHoldPage(CamelModel):
    items: list[FraudHold]
    page: int
    page_size: int
    total: int


class ReleaseRequest(CamelModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    released_by: str = Field(min_length=1, max_length=200, description="who releases it (the admin's username)")
    note: str | None = Field(None, max_length=1000)


class DetectResult(CamelModel):
    found: list[Alert]
    anomalies: int
    spam_alerts: int
    fraud_probability: float
    fraud_reasons: list[Reason]
    holds_placed: list[FraudHold] = []


def risk_level(score: int) -> Literal["LOW", "MEDIUM", "HIGH"]:
    return "HIGH" if score >= HIGH_FROM else "MEDIUM" if score >= MEDIUM_FROM else "LOW"


def alert_out(row: asyncpg.Record) -> Alert:
    evidence = row["evidence"]
    return Alert(
        id=row["alert_id"],
        kind=row["kind"],
        type=row["alert_type"],
        severity=row["severity"],
        subject_type=row["subject_type"],
        subject=row["subject"],
        window_start=row["window_start"],
        window_end=row["window_end"],
        evidence=json.loads(evidence) if isinstance(evidence, str) else evidence,
        status=row["status"],
        raised_at=row["raised_at"],
        updated_at=row["updated_at"],
        acknowledged_at=row["acknowledged_at"],
    )


def hold_out(row: asyncpg.Record) -> FraudHold:
    evidence = row["evidence"]
    return FraudHold(
        id=row["hold_id"],
        account_id=row["account_id"],
        subject_type=row["subject_type"],
        subject=row["subject"],
        alert_type=row["alert_type"],
        alert_id=row["alert_id"],
        probability=round(row["probability"], 2),
        reasons=_reasons(row["reasons"]),
        evidence=json.loads(evidence) if isinstance(evidence, str) else evidence,
        status=row["status"],
        created_at=row["created_at"],
        released_at=row["released_at"],
        released_by=row["released_by"],
        release_note=row["release_note"],
    )


def _reasons(raw) -> list[Reason]:
    items = json.loads(raw) if isinstance(raw, str) else raw or []
    return [Reason.model_validate(r) for r in items]


def build_anomaly_router(*, service_token: str, max_page_size: int) -> APIRouter:
    expected = service_token.encode()

    def require_service_token(x_service_token: Annotated[str | None, Header(alias="X-Service-Token")] = None) -> None:
        if not x_service_token or not hmac.compare_digest(x_service_token.encode(), expected):
            raise ApiError(ErrorCode.UNAUTHORIZED, "missing or wrong X-Service-Token", field="X-Service-Token")

    def _started(value):
        if value is None:
            raise ApiError(
                ErrorCode.SERVICE_UNAVAILABLE,
                "anomaly detection is starting (PostgreSQL or Kafka not reached yet); retry shortly",
                headers={"Retry-After": "1"},
            )
        return value

    def store(request: Request) -> AnomalyStore:
        return _started(getattr(request.app.state, "anomaly_store", None))

    def detection(request: Request) -> Detection:
        return _started(getattr(request.app.state, "detection", None))

    Store = Annotated[AnomalyStore, Depends(store)]
    Detector = Annotated[Detection, Depends(detection)]
    Page = Annotated[int, Query(ge=1, le=1_000_000)]
    PageSize = Annotated[int, Query(alias="pageSize", ge=1)]

    def check_page_size(page_size: int) -> None:
        if page_size > max_page_size:
            raise ApiError(ErrorCode.VALIDATION_ERROR, f"pageSize is at most {max_page_size}", field="pageSize")

    router = APIRouter(prefix="/internal/v1/accounts/{account_id}", dependencies=[Depends(require_service_token)])

    @router.get("/anomalies", response_model=AnomalyPage, tags=["anomalies"])
    async def list_anomalies(
        account_id: AccountId,
        store: Store,
        page: Page = 1,
        page_size: PageSize = 20,
        type: Annotated[str | None, Query(max_length=64)] = None,
        status: Status | None = None,
    ) -> AnomalyPage:
        check_page_size(page_size)
        now = datetime.now(UTC)
        rows, total = await store.alerts(account_id, AlertFilter("ANOMALY", type, status, None, page, page_size))
        counts = await store.summary(account_id, "ANOMALY", now)
        score = await store.score(account_id)
        summary = AnomalySummary(
            risk_level=risk_level(counts["risk_score"]),
            risk_score=counts["risk_score"],
            fraud_probability=round(score["probability"], 2) if score else 0.0,
            fraud_reasons=_reasons(score["reasons"]) if score else [],
            scored_at=score["scored_at"] if score else None,
            anomalies_24h=counts["last_24h"],
            anomalies_1h=counts["last_1h"],
            active=counts["active_24h"],
        )
        return AnomalyPage(
            summary=summary, items=[alert_out(r) for r in rows], page=page, page_size=page_size, total=total
        )

    @router.get("/spam/alerts", response_model=SpamPage, tags=["spam"])
    async def list_spam_alerts(
        account_id: AccountId,
        store: Store,
        page: Page = 1,
        page_size: PageSize = 20,
        type: Annotated[str | None, Query(max_length=64)] = None,
        status: Status | None = None,
    ) -> SpamPage:
        check_page_size(page_size)
        now = datetime.now(UTC)
        rows, total = await store.alerts(account_id, AlertFilter("SPAM", type, status, None, page, page_size))
        counts = await store.summary(account_id, "SPAM", now)
        senders = []
        for r in await store.senders(account_id, now):
            terminal = r["delivered"] + r["failed"]
            senders.append(
                SenderRow(
                    sender_id=r["sender_id"],
                    messages=r["messages"],
                    delivered=r["delivered"],
                    failed=r["failed"],
                    delivery_rate=round(r["delivered"] / terminal, 4) if terminal else 0.0,
                    failure_rate=round(r["failed"] / terminal, 4) if terminal else 0.0,
                )
            )
        summary = SpamSummary(
            risk_level=risk_level(counts["risk_score"]),
            risk_score=counts["risk_score"],
            alerts_24h=counts["last_24h"],
            alerts_1h=counts["last_1h"],
            active=counts["active_24h"],
            active_senders_24h=len(senders),
        )
        return SpamPage(
            summary=summary,
            senders=senders,
            items=[alert_out(r) for r in rows],
            page=page,
            page_size=page_size,
            total=total,
        )

    @router.post("/anomalies/detect", response_model=DetectResult, tags=["anomalies"])
    async def detect_now(account_id: AccountId, detection: Detector) -> DetectResult:
        results = await detection.run(datetime.now(UTC), account_id)
        if not results:
            return DetectResult(found=[], anomalies=0, spam_alerts=0, fraud_probability=0.0, fraud_reasons=[])
        result = results[0]
        found = [alert_out(r) for r in result.alerts]  # every condition seen, new or persisting
        kinds = [f.kind for f in result.findings]
        return DetectResult(
            found=found,
            anomalies=kinds.count("ANOMALY"),
            spam_alerts=kinds.count("SPAM"),
            fraud_probability=round(result.probability, 2),
            fraud_reasons=[Reason.model_validate(r) for r in result.reasons],
            holds_placed=[hold_out(h) for h in result.holds],
        )

    async def _acknowledge(account_id: int, alert_id: int, store: AnomalyStore) -> Alert:
        row = await store.acknowledge(account_id, alert_id, datetime.now(UTC))
        if row is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no alert {alert_id} for this account", field="alertId")
        return alert_out(row)

    @router.post("/anomalies/{alert_id}/acknowledge", response_model=Alert, tags=["anomalies"])
    async def acknowledge_anomaly(account_id: AccountId, alert_id: Annotated[int, Path(ge=1)], store: Store) -> Alert:
        return await _acknowledge(account_id, alert_id, store)

    @router.post("/spam/alerts/{alert_id}/acknowledge", response_model=Alert, tags=["spam"])
    async def acknowledge_spam(account_id: AccountId, alert_id: Annotated[int, Path(ge=1)], store: Store) -> Alert:
        return await _acknowledge(account_id, alert_id, store)

    HoldStatus = Annotated[Literal["ACTIVE", "RELEASED"] | None, Query()]

    async def _holds(account_id: int | None, status: str | None, page: int, page_size: int, store) -> FraudHoldPage:
        check_page_size(page_size)
        rows, total = await store.holds(account_id, status, page=page, page_size=page_size)
        return FraudHoldPage(items=[hold_out(r) for r in rows], page=page, page_size=page_size, total=total)

    @router.get("/fraud-holds", response_model=FraudHoldPage, tags=["fraud"])
    async def account_holds(
        account_id: AccountId, store: Store, status: HoldStatus = None, page: Page = 1, page_size: PageSize = 50
    ) -> FraudHoldPage:
        """The account's fraud holds (why sends to a destination are refused with FRAUD_HOLD)."""
        return await _holds(account_id, status, page, page_size, store)

    admin = APIRouter(prefix="/internal/v1/fraud-holds", dependencies=[Depends(require_service_token)])

    @admin.get("", response_model=FraudHoldPage, tags=["fraud"])
    async def every_hold(
        store: Store,
        status: HoldStatus = None,
        account_id: Annotated[int | None, Query(alias="accountId", ge=1, le=2**62)] = None,
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> FraudHoldPage:
        """Every account's holds, for the admin (filter by status and account)."""
        return await _holds(account_id, status, page, page_size, store)

    @admin.post("/{hold_id}/release", response_model=FraudHold, tags=["fraud"])
    async def release_hold(hold_id: Annotated[int, Path(ge=1)], body: ReleaseRequest, store: Store) -> FraudHold:
        row = await store.release(hold_id, body.released_by, body.note, datetime.now(UTC))
        if row is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no fraud hold {hold_id}", field="holdId")
        return hold_out(row)

    both = APIRouter()
    both.include_router(router)
    both.include_router(admin)
    return both
