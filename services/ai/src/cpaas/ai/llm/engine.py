"""AI Assist's engine choice: the configured OpenAI-compatible model when there is one,
the local generator otherwise, and the local generator again when the model times out,
fails, or gives nothing that survives repair and the compliance check (the answer says
why in fallbackReason)."""

import asyncio
import logging
from dataclasses import dataclass, field

from openai import AsyncOpenAI

from cpaas.ai.domain.assist import AssistRequest, Draft, generate
from cpaas.ai.domain.assist.channels import default_content
from cpaas.ai.domain.assist.generator import compositions
from cpaas.ai.domain.assist.library import library
from cpaas.ai.domain.assist.request import read_instructions, read_topic
from cpaas.ai.domain.compliance.text import CategoryKind, category_kind
from cpaas.ai.llm.prompt import messages
from cpaas.ai.llm.repair import Outcome, repair

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LlmConfig:
    model: str
    timeout_seconds: float
    max_tokens: int
    temperature: float


@dataclass
class AssistAnswer:
    drafts: list[Draft]
    engine: str  # "local" or "llm"
    fallback_reason: str | None = None
    llm_report: dict | None = None  # what the model gave: received, repairs, dropped
    notes: list[str] = field(default_factory=list)


def local(request: AssistRequest, reason: str | None = None, report: dict | None = None) -> AssistAnswer:
    return AssistAnswer(drafts=generate(request), engine="local", fallback_reason=reason, llm_report=report)


async def _ask(client: AsyncOpenAI, config: LlmConfig, request: AssistRequest) -> tuple[str, Outcome]:
    wants = read_instructions(request.instructions)
    topic = read_topic(request.name, request.category, request.channel)
    kind = category_kind(request.category)
    options = compositions(topic, wants, kind)
    local_drafts = generate(request)
    example = local_drafts[0].body if local_drafts else None
    completion = await client.chat.completions.create(
        model=config.model,
        messages=messages(request, topic, wants, example),  # type: ignore[arg-type]
        max_tokens=config.max_tokens,
        temperature=config.temperature,
        timeout=config.timeout_seconds,
    )
    answer = (completion.choices[0].message.content or "") if completion.choices else ""
    spec = library().intents[topic.intent]
    promotional = spec.kind is CategoryKind.PROMOTIONAL or kind is CategoryKind.PROMOTIONAL
    default = default_content(request.channel, topic, options[0], wants) if options else {}
    language = options[0].language if options else "en"
    outcome = repair(
        answer,
        channel=request.channel,
        category=request.category,
        language=language,
        intent=topic.intent,
        default=default,
        promotional=promotional,
    )
    return answer, outcome


async def assist(request: AssistRequest, client: AsyncOpenAI | None, config: LlmConfig | None) -> AssistAnswer:
    if client is None or config is None:
        return local(request)
    try:
        async with asyncio.timeout(config.timeout_seconds + 1):
            answer, outcome = await _ask(client, config, request)
    except Exception as exc:  # any failure of the model falls back, with the reason
        log.warning("llm assist failed, local engine used", extra={"error": type(exc).__name__})
        return local(request, f"the model failed: {type(exc).__name__}: {str(exc)[:200]}")
    report = {
        "model": config.model,
        "answerChars": len(answer),
        "received": outcome.received,
        "kept": len(outcome.drafts),
        "repairs": outcome.repairs,
        "dropped": outcome.dropped,
    }
    if not outcome.drafts:
        reason = "the model's drafts did not pass repair and the compliance check"
        if not outcome.received:
            reason = "the model's answer had no draft"
        return local(request, reason, report)
    return AssistAnswer(drafts=outcome.drafts, engine="llm", llm_report=report)
