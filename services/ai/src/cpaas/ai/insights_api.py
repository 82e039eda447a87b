"""Insights (issue 25): `POST /api/v1/insights`, an account's computed `Intelligence` in,
`Insights` out. The builtin engine (cpaas.ai.domain.insights) always answers first; with a
model configured (the openai client of AI Assist) the model rewrites each insight's prose
from the same facts, and a rewrite that states a number not among that insight's facts (or
is empty, or the model failed) is rejected: the builtin text stays. `engine` is "llm" when
at least one text is the model's; the `X-Insights-Rewritten` header lists which insights
(their indexes) and `X-Insights-Rejected` how many rewrites were rejected, each reason
logged. Stateless: the caller (console, gateway) computed the facts for its account."""

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from openai import AsyncOpenAI

from cpaas.ai.domain.insights import insights as builtin_insights
from cpaas.ai.domain.insights.rewrite import Verdict, judge, messages
from cpaas.ai.llm.engine import LlmConfig
from cpaas.contracts.analytics import Insight, Insights, Intelligence

log = logging.getLogger(__name__)
REWRITE_MAX_TOKENS = 160  # one or two sentences
REWRITE_BUDGET_SECONDS = 90.0  # all rewrites of one answer; the console and gateway wait 120 s


@dataclass
class InsightsAnswer:
    insights: Insights
    rewritten: list[int] = field(default_factory=list)  # indexes whose text is the model's
    rejected: dict[int, str] = field(default_factory=dict)  # index -> why the builtin text stayed


async def _rewrite(client: AsyncOpenAI, config: LlmConfig, insight: Insight, wait: float) -> Verdict:
    if wait <= 0:
        return Verdict(insight, False, "the model's time budget for this answer ran out")
    try:
        async with asyncio.timeout(wait + 1):
            completion = await client.chat.completions.create(
                model=config.model,
                messages=messages(insight),  # type: ignore[arg-type]
                max_tokens=min(config.max_tokens, REWRITE_MAX_TOKENS),
                temperature=config.temperature,
                timeout=wait,
            )
    except Exception as exc:  # the model failed: the builtin text, with the reason
        return Verdict(insight, False, f"the model failed: {type(exc).__name__}: {str(exc)[:200]}")
    answer = (completion.choices[0].message.content or "") if completion.choices else ""
    return judge(insight, answer)


async def answer(
    facts: Intelligence,
    client: AsyncOpenAI | None,
    config: LlmConfig | None,
    budget_seconds: float = REWRITE_BUDGET_SECONDS,
) -> InsightsAnswer:
    """The builtin insights, their prose rewritten by the model where it keeps to the facts; the
    rewrites share `budget_seconds` (those left when it runs out keep the builtin text)."""
    found = builtin_insights(facts)
    now = datetime.now(UTC)
    if client is None or config is None:
        return InsightsAnswer(Insights(engine="builtin", generated_at=now, insights=found))
    deadline = time.monotonic() + budget_seconds
    verdicts = []
    for insight in found:  # one at a time: a local model serves one request at once
        wait = min(config.timeout_seconds, deadline - time.monotonic())
        verdicts.append(await _rewrite(client, config, insight, wait))
    rewritten = [n for n, v in enumerate(verdicts) if v.rewritten]
    rejected = {n: v.reason or "" for n, v in enumerate(verdicts) if not v.rewritten}
    for n, reason in rejected.items():
        log.info("model rewrite of an insight rejected", extra={"kind": found[n].kind, "reason": reason})
    engine = "llm" if rewritten else "builtin"
    out = Insights(engine=engine, model=config.model, generated_at=now, insights=[v.insight for v in verdicts])
    return InsightsAnswer(out, rewritten, rejected)


def build_insights_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["insights"])

    @router.post("/insights", response_model=Insights)
    async def post_insights(facts: Intelligence, request: Request, response: Response) -> Insights:
        """Recommendations from an account's Intelligence, each citing the facts it is based on."""
        got = await answer(facts, request.app.state.llm_client, request.app.state.llm_config)
        response.headers["X-Insights-Rewritten"] = ",".join(map(str, got.rewritten))
        response.headers["X-Insights-Rejected"] = str(len(got.rejected))
        return got.insights

    return router
