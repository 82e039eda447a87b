"""Traffic Anomaly and Spam Detection on the public API, with the API key, answered by the
ai service's internal routes for the caller's account (`/internal/v1/accounts/{id}/...`,
with the shared X-Service-Token):

- `GET  /api/v1/anomalies`: the risk summary (risk level and score, fraud probability with
  its top reasons, anomalies 24 h and 1 h, active) and the paginated log (`type`, `status`);
- `POST /api/v1/anomalies/detect`: Run Detection Now, answered with what it found;
- `POST /api/v1/anomalies/{alertId}/acknowledge` (and `/api/v1/spam/alerts/{alertId}/acknowledge`);
- `GET  /api/v1/spam/alerts`: the spam cards, the per-sender table of the last 24 h and the log;
- `GET  /api/v1/fraud-holds`: the account's fraud holds (why a send is refused with FRAUD_HOLD)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from cpaas.contracts.submit import MAX_ID
from cpaas.gateway.api.account import ERRORS, Account, Forward, PageNo
from cpaas.gateway.api.auth import Caller
from cpaas.gateway.api.edge_models import Alert, AlertStatus, AnomalyPage, DetectResult, FraudHoldPage, SpamPage

router = APIRouter(prefix="/api/v1")
PageSize = Annotated[int, Query(alias="pageSize", ge=1, description="At most 200")]
AlertType = Annotated[str | None, Query(max_length=64, description="e.g. OTP_FLOOD, SPAM_FAILURE_RATE")]
AlertId = Annotated[int, Path(alias="alertId", ge=1, le=MAX_ID)]


def _ai(caller: Caller, rest: str) -> str:
    return f"/internal/v1/accounts/{caller.account_id}{rest}"


def _query(page: int, page_size: int, type: str | None, status: str | None) -> dict:
    return {"page": page, "pageSize": page_size, "type": type, "status": status}


@router.get(
    "/anomalies",
    response_model=AnomalyPage,
    responses=ERRORS,
    tags=["anomalies"],
    summary="Traffic Anomaly: the risk summary (level, score, fraud probability with its top reasons, anomalies"
    " 24 h / 1 h) and the anomaly log, newest first",
)
async def list_anomalies(
    caller: Account,
    forward: Forward,
    type: AlertType = None,
    status: AlertStatus | None = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Response:
    return await forward.forward("ai", "GET", _ai(caller, "/anomalies"), params=_query(page, page_size, type, status))


@router.post(
    "/anomalies/detect",
    response_model=DetectResult,
    responses=ERRORS,
    tags=["anomalies"],
    summary="Run Detection Now: the anomaly and spam detectors on the account's recent traffic; answers with what"
    " they found and the fraud probability",
)
async def detect_now(caller: Account, forward: Forward) -> Response:
    return await forward.forward("ai", "POST", _ai(caller, "/anomalies/detect"))


@router.post(
    "/anomalies/{alertId}/acknowledge",
    response_model=Alert,
    responses=ERRORS,
    tags=["anomalies"],
    summary="Acknowledge an anomaly: marked reviewed, no longer in the active count",
)
async def acknowledge_anomaly(alert_id: AlertId, caller: Account, forward: Forward) -> Response:
    return await forward.forward("ai", "POST", _ai(caller, f"/anomalies/{alert_id}/acknowledge"))


@router.get(
    "/spam/alerts",
    response_model=SpamPage,
    responses=ERRORS,
    tags=["spam"],
    summary="Spam Detection: the cards (risk level and score, alerts 24 h / 1 h, active senders 24 h), each"
    " sender's messages, delivery and failure rate of the last 24 h, and the spam alert log",
)
async def list_spam_alerts(
    caller: Account,
    forward: Forward,
    type: AlertType = None,
    status: AlertStatus | None = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Response:
    return await forward.forward("ai", "GET", _ai(caller, "/spam/alerts"), params=_query(page, page_size, type, status))


@router.post(
    "/spam/alerts/{alertId}/acknowledge",
    response_model=Alert,
    responses=ERRORS,
    tags=["spam"],
    summary="Acknowledge a spam alert",
)
async def acknowledge_spam_alert(alert_id: AlertId, caller: Account, forward: Forward) -> Response:
    return await forward.forward("ai", "POST", _ai(caller, f"/spam/alerts/{alert_id}/acknowledge"))


@router.get(
    "/fraud-holds",
    response_model=FraudHoldPage,
    responses=ERRORS,
    tags=["anomalies"],
    summary="The fraud guard's holds on the account: each held number range or country, why (the finding, the"
    " fraud probability and its reasons, the evidence) and whether an admin released it",
)
async def list_fraud_holds(
    caller: Account,
    forward: Forward,
    status: Annotated[Literal["ACTIVE", "RELEASED"] | None, Query()] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Response:
    params = {"status": status, "page": page, "pageSize": page_size}
    return await forward.forward("ai", "GET", _ai(caller, "/fraud-holds"), params=params)
