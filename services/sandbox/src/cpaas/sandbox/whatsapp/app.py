"""The ASGI app of the WhatsApp Cloud API imitation (Graph API routes and the sandbox's
own listing routes for tests), with its own lifespan."""

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import JSONResponse

from cpaas.platform.ops import HealthState, mount_ops
from cpaas.sandbox.whatsapp import graph
from cpaas.sandbox.whatsapp.cloud import ReceivedMessage, RegisteredTemplate, WhatsAppCloud
from cpaas.sandbox.whatsapp.graph import CreateTemplateRequest, GraphError, RegisterRequest, SendMessageRequest
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings

_VERSION = re.compile(r"^v[0-9]{1,2}\.[0-9]$")
ModelT = TypeVar("ModelT", bound=BaseModel)


class ReceivedMessages(BaseModel):
    messages: list[ReceivedMessage]


class RegisteredTemplates(BaseModel):
    templates: list[RegisteredTemplate]


class RegisteredNumbers(BaseModel):
    phone_numbers: list[dict[str, Any]]


def build_whatsapp_app(settings: WhatsAppSandboxSettings) -> FastAPI:
    """The app; `app.state.cloud` is its WhatsAppCloud (received sends, templates)."""
    health = HealthState()
    cloud = WhatsAppCloud(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await cloud.start()
        health.started = True
        try:
            yield
        finally:
            health.draining = True
            await cloud.stop()

    app = FastAPI(
        title="CPaaS sandbox: WhatsApp Cloud API",
        description="Template sends, template registration and signed webhooks, with magic recipient numbers",
        lifespan=lifespan,
    )
    app.state.cloud = cloud
    mount_ops(app, health)

    @app.exception_handler(GraphError)
    async def _graph_error(_: Request, exc: GraphError) -> JSONResponse:
        return exc.response()

    @app.get("/sandbox/whatsapp/messages", response_model=ReceivedMessages, tags=["sandbox"])
    async def received_messages(
        to: str | None = Query(None, description="recipient with or without '+'; all when omitted"),
        limit: int | None = Query(None, ge=1, le=10_000, description="only the newest this many"),
    ) -> ReceivedMessages:
        """Sends received, oldest first, with the status webhooks POSTed for each."""
        return ReceivedMessages(messages=cloud.received(to, limit))

    @app.get("/sandbox/whatsapp/templates", response_model=RegisteredTemplates, tags=["sandbox"])
    async def registered_templates() -> RegisteredTemplates:
        return RegisteredTemplates(templates=list(cloud.templates.values()))

    @app.post("/{version}/{phone_number_id}/messages", tags=["graph"])
    async def send_message(version: str, phone_number_id: str, request: Request) -> dict[str, Any]:
        _check_version(version)
        cloud.authorize(request.headers.get("authorization"))
        return cloud.send(phone_number_id, await _parse(request, SendMessageRequest))

    @app.post("/{version}/{phone_number_id}/register", tags=["graph"])
    async def register_number(version: str, phone_number_id: str, request: Request) -> dict[str, Any]:
        """Meta's registration of a business phone number for the Cloud API; until then the
        number's sends are refused (400, code 100, subcode 33)."""
        _check_version(version)
        cloud.authorize(request.headers.get("authorization"))
        if not phone_number_id.isdigit():
            raise graph.unknown_object(phone_number_id)
        await _parse(request, RegisterRequest)
        cloud.register(phone_number_id)
        return {"success": True}

    @app.get("/sandbox/whatsapp/phone-numbers", response_model=RegisteredNumbers, tags=["sandbox"])
    async def registered_numbers() -> RegisteredNumbers:
        return RegisteredNumbers(phone_numbers=[{"id": k, "registeredAt": v} for k, v in cloud.phone_numbers.items()])

    @app.post("/{version}/{waba_id}/message_templates", tags=["graph"])
    async def create_template(version: str, waba_id: str, request: Request) -> dict[str, Any]:
        _check_version(version)
        cloud.authorize(request.headers.get("authorization"))
        template = cloud.register_template(waba_id, await _parse(request, CreateTemplateRequest))
        return {"id": template.id, "status": template.status, "category": template.category}

    return app


def _check_version(version: str) -> None:
    if not _VERSION.match(version):
        raise GraphError(400, 2500, "Unknown path components: /" + version)


async def _parse(request: Request, model: type[ModelT]) -> ModelT:
    """The body as `model`, or a Graph (#100) error naming the first problem."""
    try:
        return model.model_validate(json.loads(await request.body()))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise graph.invalid_parameter("the body is not valid JSON") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise graph.invalid_parameter(f"{where}: {first.get('msg')}" if where else str(first.get("msg"))) from exc
