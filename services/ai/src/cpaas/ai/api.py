"""The AI service's HTTP API: `POST /api/v1/compliance/check` and `POST
/api/v1/templates/assist`. Stateless; errors in the platform's one shape."""

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from cpaas.ai.domain.assist import AssistRequest
from cpaas.ai.domain.compliance import check
from cpaas.ai.domain.compliance.text import CATEGORY_KINDS
from cpaas.ai.llm.engine import assist
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

Channel = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
TemplateName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class CheckIn(CamelModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    text: str = Field(..., min_length=1, description="The template or message text")
    channel: Channel
    category: str | None = Field(None, description="UIC, MIC, SIC, Auth (SMS); MARKETING, UTILITY, AUTHENTICATION")


class Span(CamelModel):
    start: int
    end: int
    text: str


class WarningOut(CamelModel):
    check: str
    title: str
    span: Span
    suggestion: str
    confidence: float
    source: Literal["rule", "model"]


class CheckOut(CamelModel):
    risk_score: int
    risk_level: Literal["LOW", "MEDIUM", "HIGH"]
    warnings: list[WarningOut]


class AssistIn(CamelModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    channel: Channel
    name: TemplateName
    category: str | None = None
    instructions: Annotated[str, StringConstraints(max_length=500)] | None = None


class AssistOut(CamelModel):
    drafts: list[dict]
    engine: Literal["local", "llm"]
    fallback_reason: str | None = None
    llm_report: dict | None = None


def _category(category: str | None, field: str = "category") -> str | None:
    if category in (None, ""):
        return None
    if category.strip().upper() not in CATEGORY_KINDS:
        raise ApiError(ErrorCode.VALIDATION_ERROR, f"unknown category {category!r}", field=field)
    return category


def _draft(draft) -> dict:
    raw = asdict(draft)
    out = {to_camel(k): v for k, v in raw.items() if v is not None and k != "variables"}
    out["variables"] = [{to_camel(k): v for k, v in var.items() if v is not None} for var in raw["variables"]]
    return out


def build_router(*, max_text_chars: int) -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.post("/compliance/check", response_model=CheckOut)
    async def compliance_check(body: CheckIn) -> CheckOut:
        if len(body.text) > max_text_chars:
            raise ApiError(ErrorCode.VALIDATION_ERROR, f"text is at most {max_text_chars} characters", field="text")
        verdict = check(body.text, body.channel, _category(body.category))
        warnings = [
            WarningOut(
                check=w.check,
                title=w.title,
                span=Span(start=w.start, end=w.end, text=w.text),
                suggestion=w.suggestion,
                confidence=w.confidence,
                source=w.source,  # type: ignore[arg-type]
            )
            for w in verdict.warnings
        ]
        return CheckOut(risk_score=verdict.risk_score, risk_level=verdict.risk_level.value, warnings=warnings)  # type: ignore[arg-type]

    @router.post("/templates/assist", response_model=AssistOut, response_model_exclude_none=True)
    async def templates_assist(body: AssistIn, request: Request) -> AssistOut:
        wanted = AssistRequest(body.channel, body.name, _category(body.category), body.instructions)
        answer = await assist(wanted, request.app.state.llm_client, request.app.state.llm_config)
        return AssistOut(
            drafts=[_draft(d) for d in answer.drafts],
            engine=answer.engine,  # type: ignore[arg-type]
            fallback_reason=answer.fallback_reason,
            llm_report=answer.llm_report,
        )

    return router
