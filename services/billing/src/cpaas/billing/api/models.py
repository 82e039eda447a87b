"""The shapes of the internal billing API (camelCase on the wire)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

MAX_ADJUSTMENT_MINOR = 10**12  # 10 billion in major units: anything larger is a typo
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class AdjustmentRequest(CamelModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    amount_minor: int = Field(
        ..., ge=-MAX_ADJUSTMENT_MINOR, le=MAX_ADJUSTMENT_MINOR, description="Positive credits, negative debits"
    )
    reason: Text
    actor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class PriceUpdate(CamelModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    amount_minor: int = Field(..., ge=0, le=MAX_ADJUSTMENT_MINOR, description="Price of one unit, in minor units")
    actor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class Balance(CamelModel):
    account_id: int
    balance_minor: int
    currency: str
    updated_at: datetime | None


class Entry(CamelModel):
    id: int
    kind: Literal["CHARGE", "REFUND", "CREDIT", "DEBIT"]
    amount_minor: int  # signed change of the balance (a REFUND is positive: its charge given back)
    balance_after_minor: int
    currency: str
    created_at: datetime
    reason: str | None = None
    actor: str | None = None
    message_id: str | None = None
    attempt: int | None = None
    channel: str | None = None
    price_code: str | None = None
    category: str | None = None  # the guide's label for WhatsApp charges: UIC, MIC, SIC, Auth, Auth INT
    units: int | None = None
    unit_price_minor: int | None = None


class TransactionPage(CamelModel):
    items: list[Entry]
    page: int
    page_size: int
    total: int


class Price(CamelModel):
    price_code: str
    channel: str
    unit: str
    description: str
    category: str | None  # the guide's Billing category: UIC, MIC, SIC, Auth, Auth INT (WhatsApp)
    message_type: str  # what is sent: "Text (per segment)", "Template: MARKETING", "Rich card", ...
    amount_minor: int
    currency: str
    updated_at: datetime
    updated_by: str | None


class PriceList(CamelModel):
    currency: str
    items: list[Price]
    account_id: int | None = None  # the account whose price list this is (GET /accounts/{id}/prices)
