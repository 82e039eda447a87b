"""The Templates screen's content features, forwarded to the ai service for the logged-in
user: `POST /api/compliance/check` (the TRAI/DLT check of a template's text: risk score and
level, one warning per rule with its span and a suggestion that rewrites it) and
`POST /api/templates/assist` (AI Assist: drafts of the form's fields from the template's
name, channel, category and instructions). The ai service down is 503 SERVICE_UNAVAILABLE;
the forms work without it."""

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field, StringConstraints

from cpaas.console.ai_client import AiApi
from cpaas.console.api.deps import ApiModel, User
from cpaas.console.domain import compliance
from cpaas.console.domain.templates import TemplateDraft
from cpaas.platform.api_errors import ApiError

log = logging.getLogger(__name__)

Channel = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
RiskLevel = Literal["LOW", "MEDIUM", "HIGH"]


def ai_api(request: Request) -> AiApi:
    """The ai service over the console's HTTP client (the platform's internal APIs' one)."""
    return AiApi(request.app.state.apis.http, request.app.state.settings.ai_url)


Ai = Annotated[AiApi, Depends(ai_api)]


class ComplianceGate:
    """The check a template gets at its submission: the verdict to store with it, and the
    operator's rule that a HIGH-risk one needs `confirmHighRisk` (422
    HIGH_RISK_CONFIRMATION_REQUIRED without). The ai service down: no verdict, not held back."""

    def __init__(self, ai: AiApi, *, confirm_high_risk: bool) -> None:
        self.ai, self.confirm_high_risk = ai, confirm_high_risk

    async def verdict(self, channel: str, draft: TemplateDraft, *, confirmed: bool) -> dict | None:
        text = compliance.checked_text(channel, draft.template_type, draft.body, draft.content)
        try:
            verdict = compliance.stored(await self.ai.check(text, channel, draft.category), text)
        except ApiError as error:
            log.warning("template submitted without a compliance check", extra={"reason": error.message})
            return None
        compliance.require_confirmation(verdict, required=self.confirm_high_risk, confirmed=confirmed)
        return verdict


def compliance_gate(ai: Ai, request: Request) -> ComplianceGate:
    return ComplianceGate(ai, confirm_high_risk=request.app.state.settings.require_confirm_high_risk)


Gate = Annotated[ComplianceGate, Depends(compliance_gate)]


class ComplianceIn(ApiModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(
        ..., description="Everything the recipient reads, one part (header, body, footer, button) per line"
    )
    channel: Channel
    category: str | None = Field(None, description="UIC, MIC, SIC, Auth (SMS); MARKETING, UTILITY, AUTHENTICATION")


class Span(ApiModel):
    start: int = Field(..., description="Offset of the first character in the checked text")
    end: int = Field(..., description="Offset after the last character")
    text: str


class ComplianceWarning(ApiModel):
    check: str = Field(..., description="The rule: CHECK-1 ... CHECK-9")
    title: str
    span: Span
    suggestion: str = Field(..., description="The span rewritten: applying it replaces the span")
    confidence: float
    source: Literal["rule", "model"]


class ComplianceOut(ApiModel):
    risk_score: int = Field(..., ge=0, le=100)
    risk_level: RiskLevel
    warnings: list[ComplianceWarning]


class StoredCompliance(ComplianceOut):
    """A template's check as stored at its submission, with the text it was made on."""

    text: str


class AssistIn(ApiModel):
    channel: Channel
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = Field(
        ..., description="The template's name: its topic (diwali_offer_2025, otp_alert, ...)"
    )
    category: str | None = None
    instructions: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description='"formal tone", "include a discount offer", "in Hindi", ...'
    )


class DraftVariable(ApiModel):
    index: int
    name: str
    example: str
    max_length: int | None = None


class Draft(ApiModel):
    channel: Channel
    language: str
    intent: str
    body: str
    content: dict = Field(
        default_factory=dict, description="The channel's template content (header, footer, buttons; suggestions)"
    )
    variables: list[DraftVariable] = []
    segments: int | None = Field(None, description="SMS: segments of the body as written")
    encoding: str | None = Field(None, description="SMS: GSM-7 or UCS-2")
    example_segments: int | None = Field(None, description="SMS: segments with the example values filled in")
    notes: list[str] = []


class AssistOut(ApiModel):
    drafts: list[Draft]
    engine: Literal["local", "llm"] = Field(..., description="Which engine wrote the drafts: local, or the model")
    fallback_reason: str | None = Field(None, description="Why the model's answer was not used, when one is set up")


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["templates"])

    @router.post("/compliance/check", response_model=ComplianceOut)
    async def compliance_check(body: ComplianceIn, ai: Ai, user: User) -> dict:
        return await ai.check(body.text, body.channel, body.category)

    @router.post("/templates/assist", response_model=AssistOut)
    async def templates_assist(body: AssistIn, ai: Ai, user: User) -> dict:
        return await ai.assist(body.model_dump(mode="json", by_alias=True, exclude_none=True))

    return router
