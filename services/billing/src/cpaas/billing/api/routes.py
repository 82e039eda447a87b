"""The internal billing API, called by the console service (never by customers): balances,
the transaction log, admin adjustments and the price list.

Every route needs the shared service token in `X-Service-Token` (401 without it).
Errors are the platform's one JSON shape ({"error": {"code", "message", "field"}}).
"""

import hmac
import logging
from datetime import datetime
from typing import Annotated, Literal

from asyncpg import Record
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from starlette.responses import JSONResponse

from cpaas.billing.api.models import AdjustmentRequest, Balance, Entry, Price, PriceList, PriceUpdate, TransactionPage
from cpaas.billing.domain.pricing import CATEGORY_LABELS
from cpaas.billing.metrics import ADJUSTMENTS
from cpaas.billing.store import BillingStore, TransactionQuery
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError
from cpaas.platform.logs import set_log_context

log = logging.getLogger(__name__)

AccountId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _category(price_code: str | None) -> str | None:
    return CATEGORY_LABELS.get(price_code) if price_code else None  # type: ignore[call-overload]


def _entry(row: Record) -> Entry:
    return Entry.model_validate({**dict(row), "category": _category(row["price_code"])})


def _price(row: Record, currency: str) -> Price:
    return Price.model_validate({**dict(row), "category": _category(row["price_code"]), "currency": currency})


def _store(request: Request) -> BillingStore:
    return request.app.state.store


Store = Annotated[BillingStore, Depends(_store)]


def build_router(*, service_token: str, max_page_size: int) -> APIRouter:
    """The API's routes; the app's lifespan puts the BillingStore on `app.state.store`."""
    expected = service_token.encode()

    def require_service_token(x_service_token: Annotated[str | None, Header()] = None) -> None:
        if x_service_token is None or not hmac.compare_digest(x_service_token.encode(), expected):
            raise ApiError(ErrorCode.UNAUTHORIZED, "a valid X-Service-Token header is required")

    router = APIRouter(prefix="/api/v1/billing", dependencies=[Depends(require_service_token)])

    @router.get("/accounts/{account_id}/balance", response_model=Balance)
    async def get_balance(account_id: AccountId, store: Store) -> Balance:
        row = await store.balance(account_id)
        if row is None:  # no balance row yet: every account starts at 0
            return Balance(account_id=account_id, balance_minor=0, currency=store.currency, updated_at=None)
        return Balance.model_validate(dict(row))

    @router.get("/accounts/{account_id}/transactions", response_model=TransactionPage)
    async def list_transactions(
        account_id: AccountId,
        store: Store,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        page_size: Annotated[int, Query(alias="pageSize", ge=1)] = 20,
        kind: Literal["CHARGE", "REFUND", "CREDIT", "DEBIT"] | None = None,
        since: Annotated[datetime | None, Query(alias="from")] = None,
        until: Annotated[datetime | None, Query(alias="to")] = None,
    ) -> TransactionPage:
        if page_size > max_page_size:
            raise ApiError(ErrorCode.VALIDATION_ERROR, f"pageSize is at most {max_page_size}", field="pageSize")
        query = TransactionQuery(account_id, page, page_size, kind, since, until)
        rows, total = await store.transactions(query)
        return TransactionPage(items=[_entry(r) for r in rows], page=page, page_size=page_size, total=total)

    @router.post("/accounts/{account_id}/adjustments", response_model=Entry, status_code=201)
    async def adjust(
        account_id: AccountId,
        body: AdjustmentRequest,
        store: Store,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        if body.amount_minor == 0:
            raise ApiError(ErrorCode.VALIDATION_ERROR, "amountMinor must not be 0", field="amountMinor")
        set_log_context(account_id=account_id)
        row, created = await store.adjust(
            account_id, body.amount_minor, reason=body.reason, actor=body.actor, idempotency_key=idempotency_key
        )
        if not created and (row["amount_minor"] != body.amount_minor or row["reason"] != body.reason):
            raise ApiError(ErrorCode.IDEMPOTENCY_CONFLICT, "this Idempotency-Key was used for another adjustment")
        if created:
            ADJUSTMENTS.labels(row["kind"]).inc()
            log.info(
                "balance adjusted",
                extra={
                    "kind": row["kind"],
                    "amount_minor": row["amount_minor"],
                    "actor": body.actor,
                    "balance_after_minor": row["balance_after_minor"],
                },
            )
        # a replay of the same adjustment answers 200 with the first entry
        return JSONResponse(_entry(row).model_dump(mode="json"), status_code=201 if created else 200)

    @router.get("/prices", response_model=PriceList)
    async def list_prices(store: Store) -> PriceList:
        return PriceList(currency=store.currency, items=[_price(r, store.currency) for r in await store.prices()])

    @router.get("/accounts/{account_id}/prices", response_model=PriceList)
    async def account_prices(account_id: AccountId, store: Store) -> PriceList:
        """The price list this account is charged from, per channel, category and message
        type (the user's Billing page). Every account is charged from the one list today,
        so it is that list; the route is the account's so a per-account list needs no new
        caller."""
        items = [_price(r, store.currency) for r in await store.prices()]
        return PriceList(currency=store.currency, items=items, account_id=account_id)

    @router.put("/prices/{price_code}", response_model=Price)
    async def put_price(price_code: str, body: PriceUpdate, store: Store) -> Price:
        row = await store.set_price(price_code, body.amount_minor, actor=body.actor)
        if row is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no price code {price_code}", field="priceCode")
        log.info(
            "price changed", extra={"price_code": price_code, "amount_minor": body.amount_minor, "actor": body.actor}
        )
        return _price(row, store.currency)

    return router
