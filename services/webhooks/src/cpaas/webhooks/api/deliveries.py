"""The internal delivery log: which receipts were sent where, and every attempt.

For other services (the console's Settings page shows it), authenticated by the shared
`X-Service-Token`; not exposed to customers directly.
"""

import hmac
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from cpaas.contracts import ErrorCode
from cpaas.platform.api_errors import ApiError
from cpaas.platform.logs import set_log_context

SERVICE_TOKEN_HEADER = "X-Service-Token"  # noqa: S105 - a header name
DeliveryStatus = Literal["PENDING", "DELIVERED", "FAILED"]


def require_service_token(request: Request) -> None:
    expected = request.app.state.settings.service_token
    given = request.headers.get(SERVICE_TOKEN_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(ErrorCode.UNAUTHORIZED, f"missing or wrong {SERVICE_TOKEN_HEADER}", field=SERVICE_TOKEN_HEADER)


router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], dependencies=[Depends(require_service_token)])


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class Delivery(ApiModel):
    id: int
    event_id: str
    account_id: int
    message_id: str
    url: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None  # PENDING only
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(ApiModel):
    items: list[Delivery]
    page: int
    page_size: int
    total: int


class Attempt(ApiModel):
    attempt: int
    started_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class AttemptLog(ApiModel):
    delivery_id: int
    items: list[Attempt]


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row["id"],
        event_id=row["event_id"],
        account_id=row["account_id"],
        message_id=row["message_id"],
        url=row["url"],
        payload=orjson.loads(row["payload"]),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"] if row["status"] == "PENDING" else None,
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
    )


@router.get("/accounts/{account_id}/deliveries", response_model=DeliveryPage, summary="An account's receipts")
async def deliveries(
    request: Request,
    account_id: Annotated[int, Path(ge=1)],
    message_id: Annotated[str | None, Query(alias="messageId", max_length=64)] = None,
    status: DeliveryStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1)] = 50,
) -> DeliveryPage:
    set_log_context(account_id=account_id, message_id=message_id)
    page_size = min(page_size, request.app.state.settings.max_page_size)
    rows, total = await request.app.state.store.page(
        account_id, message_id=message_id, status=status, page=page, page_size=page_size
    )
    return DeliveryPage(items=[_delivery(r) for r in rows], page=page, page_size=page_size, total=total)


@router.get("/deliveries/{delivery_id}/attempts", response_model=AttemptLog, summary="Every attempt of one receipt")
async def attempts(request: Request, delivery_id: Annotated[int, Path(ge=1)]) -> AttemptLog:
    store = request.app.state.store
    delivery = await store.delivery(delivery_id)
    if delivery is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no delivery {delivery_id}")
    set_log_context(account_id=delivery["account_id"], message_id=delivery["message_id"])
    rows = await store.attempts(delivery_id)
    return AttemptLog(delivery_id=delivery_id, items=[Attempt(**dict(r)) for r in rows])
