"""Composition root of the AI service: the compliance check and AI Assist API and the ops
endpoints. Stateless for now (no database, no broker): the compliance model is trained
on the shipped labelled set at start-up, before the service reports ready."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from openai import AsyncOpenAI

from cpaas.ai.api import build_router
from cpaas.ai.domain.compliance.classifier import shipped
from cpaas.ai.llm.engine import LlmConfig
from cpaas.ai.settings import AiSettings
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.ops import HealthState, mount_ops

LOCAL_SERVER_API_KEY = "not-needed"


def llm_client(settings: AiSettings) -> tuple[AsyncOpenAI | None, LlmConfig | None]:
    if not settings.llm_configured:
        return None, None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else LOCAL_SERVER_API_KEY
    # no retries: a failure falls back to the local engine at once (the answer says so)
    client = AsyncOpenAI(
        base_url=settings.llm_base_url, api_key=key, max_retries=0, timeout=settings.llm_timeout_seconds
    )
    config = LlmConfig(
        model=settings.llm_model or "",
        timeout_seconds=settings.llm_timeout_seconds,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )
    return client, config


def build_app(settings: AiSettings) -> FastAPI:
    health = HealthState()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(shipped)  # train the compliance model once, off the event loop
        app.state.llm_client, app.state.llm_config = llm_client(settings)
        health.started = True
        try:
            yield
        finally:
            health.draining = True
            if app.state.llm_client is not None:
                await app.state.llm_client.close()

    app = FastAPI(
        title="CPaaS AI",
        version="1.0.0",
        lifespan=lifespan,
        description="The TRAI/DLT compliance check of template text and AI Assist drafts of template fields"
        " (the local engine, or an OpenAI-compatible model when configured).",
    )
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(build_router(max_text_chars=settings.max_text_chars))
    return app
