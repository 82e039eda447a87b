"""Composition root of the AI service: the compliance check and AI Assist API, Traffic
Anomaly and Spam Detection (the traffic subscriber, the detectors every minute, their
internal API), and the ops endpoints. The compliance model is loaded at start-up from its
exported artifact (numpy only: scikit-learn and scipy stay out of the service); the
compliance check and AI Assist answer from then on. The
anomaly part (its pool, the broker, the detectors) starts beside them and is retried with
backoff while PostgreSQL or Kafka is not there: /readyz says "anomaly" until it runs, and
its routes answer 503 SERVICE_UNAVAILABLE meanwhile. `build_app` registers the subscriber
from the settings and the parts a test passes in; the pool and the broker are opened in the
lifespan."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from openai import AsyncOpenAI

from cpaas.ai.anomaly_api import build_anomaly_router
from cpaas.ai.api import build_router
from cpaas.ai.detection import Detection, GuardSettings, detect_forever, stop
from cpaas.ai.domain.anomaly.fraud import shipped as fraud_model
from cpaas.ai.domain.compliance.classifier import shipped
from cpaas.ai.handlers import TrafficHandler, register_traffic, traffic_topics
from cpaas.ai.insights_api import build_insights_router
from cpaas.ai.llm.engine import LlmConfig
from cpaas.ai.settings import AiSettings
from cpaas.ai.store import AnomalyStore
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import ping, service_pool
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan, startup_backoff
from cpaas.platform.started import Started, started

log = logging.getLogger(__name__)
LOCAL_SERVER_API_KEY = "not-needed"
SCHEMA = "ai"
MIGRATIONS = Path(__file__).parent / "migrations"


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


async def _true_if(value: bool) -> bool:
    return value


def build_app(
    settings: AiSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
    detect_every_seconds: float | None = None,
) -> FastAPI:
    """`db`: a pool the caller owns (else one is opened in the lifespan); `http` is unused (the
    LLM client is its own); `detect_every_seconds` overrides the setting (a test's own)."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    traffic: Started[TrafficHandler] = Started("ai")
    register_traffic(
        broker,
        traffic,
        traffic_topics(settings.kafka),
        group_id=settings.consumer_group,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        linger_ms=settings.batch_linger_ms,
    )

    async def run_anomaly(app: FastAPI, stop_serving: asyncio.Event) -> None:
        """The anomaly part (pool, migrations, subscriber, detection every minute) until
        `stop_serving`; a failed start (PostgreSQL or Kafka not there yet) is retried with backoff."""
        failures = 0
        while not stop_serving.is_set():
            try:
                async with AsyncExitStack() as stack:
                    pool = await service_pool(stack, settings, schema=SCHEMA, migrations=MIGRATIONS, given=db)
                    health.add_check("postgres", lambda pool=pool: ping(pool))
                    store = AnomalyStore(pool)
                    publisher = EventPublisher(broker, settings.kafka, source=settings.service_name)
                    detection = Detection(
                        store,
                        publisher,
                        fraud_model(),
                        GuardSettings(
                            settings.fraud_hold_threshold, timedelta(hours=settings.fraud_release_grace_hours)
                        ),
                    )
                    stack.enter_context(started(traffic, TrafficHandler(broker, store, settings.kafka)))
                    prune = partial(
                        store.prune,
                        minute_hours=settings.minute_retention_hours,
                        hour_days=settings.hour_retention_days,
                        destination_days=settings.destination_retention_days,
                    )
                    async with broker_lifespan(broker, health):
                        health.draining = False  # broker_lifespan's exit of a failed attempt set it
                        ticker = asyncio.create_task(
                            detect_forever(
                                detection,
                                interval_seconds=detect_every_seconds or settings.detect_interval_seconds,
                                prune=prune,
                            )
                        )
                        app.state.anomaly_store, app.state.detection = store, detection
                        anomaly.set()
                        try:
                            await stop_serving.wait()
                        finally:
                            anomaly.clear()
                            app.state.anomaly_store = app.state.detection = None
                            await stop(ticker)
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("anomaly detection not started; retrying", extra={"error": f"{type(exc).__name__}: {exc}"})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_serving.wait(), startup_backoff(failures))

    anomaly = asyncio.Event()
    health.add_check("anomaly", lambda: _true_if(anomaly.is_set()))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(shipped)  # load the compliance model once, off the event loop
        app.state.llm_client, app.state.llm_config = llm_client(settings)
        app.state.anomaly_store = app.state.detection = None
        stop_serving = asyncio.Event()
        runner = asyncio.create_task(run_anomaly(app, stop_serving))
        health.started = True
        try:
            yield
        finally:
            health.draining = True
            stop_serving.set()
            if not anomaly.is_set():  # still connecting: nothing to drain
                runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
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
    app.include_router(build_anomaly_router(service_token=settings.service_token, max_page_size=settings.max_page_size))
    app.include_router(build_insights_router())
    return app
