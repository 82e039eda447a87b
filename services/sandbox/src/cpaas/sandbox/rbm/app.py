"""The RBM API imitation: Google RCS Business Messaging's capability check, agent
messages and webhook events, plus Virtuoso's template and bot (agent) registration.

Magic recipient numbers (`cpaas.sandbox.outcomes`), by the last three digits:
    903  not RCS-capable: capability check and send answer 404 NOT_FOUND
    905  refused at send: 400 FAILED_PRECONDITION
    904  accepted, DELIVERED then READ
    901  accepted, never delivered: RBM has no "undelivered" event, so none comes;
         the router's receipt timeout starts the fallback and the connector's
         receipt deadline ends the attempt
    902  accepted, no event ever
    else accepted, DELIVERED after `event_delay_seconds`
Template names and agent handles starting with `reject_` are REJECTED in review.
"""

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cpaas.sandbox.outcomes import Outcome, outcome_for
from cpaas.sandbox.rbm.agent_messages import AgentMessage, AgentRequest, TemplateRequest, first_problem
from cpaas.sandbox.rbm.events import EventPoster, rfc3339
from cpaas.sandbox.rbm.metrics import RBM_MESSAGES
from cpaas.sandbox.rbm.settings import RbmSandboxSettings
from cpaas.sandbox.rbm.world import (
    CapabilityCheck,
    RbmWorld,
    ReceivedAgentMessage,
    RegisteredAgent,
    RegisteredTemplate,
)

E164 = r"^\+[1-9][0-9]{6,14}$"
FEATURES = ["RICHCARD_STANDALONE", "RICHCARD_CAROUSEL", "ACTION_DIAL", "ACTION_OPEN_URL"]
REJECT_PREFIX = "reject_"
TEMPLATE_REJECTION = "Template content does not meet the RBM content policy (sandbox: names starting with reject_)"
AGENT_REJECTION = "Brand verification failed (sandbox: handles starting with reject_)"
# google.rpc.Code name -> HTTP status, for the statuses this API answers
HTTP_OF = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "METHOD_NOT_ALLOWED": 405,
}


class RbmError(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message

    @property
    def http_status(self) -> int:
        return HTTP_OF[self.status]

    def response(self) -> JSONResponse:
        body = {"error": {"code": self.http_status, "message": self.message, "status": self.status}}
        return JSONResponse(body, status_code=self.http_status)


NOT_FOUND = "Requested entity was not found."
UNAUTHENTICATED = RbmError(
    "UNAUTHENTICATED",
    "Request had invalid authentication credentials. Expected a valid bot secret as 'Authorization: Bearer'.",
)

# what happens after an accepted message: the user events that follow, in order
EVENTS_AFTER: dict[Outcome, tuple[str, ...]] = {
    Outcome.DELIVERED: ("DELIVERED",),
    Outcome.NEVER_READ: ("DELIVERED", "READ"),  # 904: "delivered then read" on RCS
    Outcome.UNDELIVERABLE: (),  # 901: RBM has no failure event; the router's timeout ends it
    Outcome.SILENT: (),  # 902
}


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _check_msisdn(msisdn: str) -> None:
    if not re.match(E164, msisdn):
        raise RbmError("INVALID_ARGUMENT", f"Invalid phone number: {msisdn!r} is not E.164 (e.g. +919876543210)")


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as exc:
        raise RbmError("INVALID_ARGUMENT", "Invalid JSON payload received.") from exc


def build_rbm_app(
    settings: RbmSandboxSettings, *, webhook_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The RBM API app. `app.state.rbm` is its world (received messages, templates,
    agents); `app.state.rbm_events` posts the events (created by the lifespan).
    `webhook_transport` replaces the network for the webhook POSTs (tests)."""
    world = RbmWorld(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            httpx.AsyncClient(transport=webhook_transport) as http,
            httpx.AsyncClient(timeout=settings.media_timeout_seconds, follow_redirects=True) as media_http,
        ):
            poster = EventPoster(settings, http)
            app.state.rbm_events = poster
            app.state.rbm_media_http = media_http
            try:
                yield
            finally:
                await poster.close()

    app = FastAPI(
        title="Virtuoso RBM (sandbox)",
        description="Google RCS Business Messaging API shapes, with magic numbers; see the module docstring.",
        lifespan=lifespan,
    )
    app.state.rbm = world
    app.state.rbm_settings = settings
    _install_errors(app)

    def authorize(request: Request, agent_id: str | None) -> str:
        if not agent_id:
            raise RbmError("INVALID_ARGUMENT", "agentId is required")
        if not world.authorized(agent_id, _bearer(request)):
            raise UNAUTHENTICATED
        return agent_id

    def poster() -> EventPoster:
        return app.state.rbm_events

    def launched(agent_id: str) -> None:
        """An agent messages users only once launched (RBM: unlaunched agents reach test devices only)."""
        if agent_id not in world.launched:
            raise RbmError("PERMISSION_DENIED", f"Agent {agent_id} is not launched; request its launch first.")

    def partner(request: Request) -> None:
        bearer = _bearer(request)
        if bearer is None or not secrets.compare_digest(bearer, settings.partner_token):
            raise UNAUTHENTICATED

    @app.get("/v1/phones/{msisdn}/capabilities")
    async def capabilities(
        request: Request,
        msisdn: str,
        request_id: str = Query(alias="requestId"),
        agent_id: str = Query(alias="agentId"),
    ) -> JSONResponse:
        authorize(request, agent_id)
        launched(agent_id)
        _check_msisdn(msisdn)
        capable = outcome_for(msisdn) is not Outcome.CHANNEL_NOT_SUPPORTED
        world.capability_checks.append(
            CapabilityCheck(
                msisdn=msisdn,
                agent_id=agent_id,
                request_id=request_id,
                status_code=200 if capable else 404,
                received_at=rfc3339(),
            )
        )
        if not capable:
            raise RbmError("NOT_FOUND", NOT_FOUND)
        return JSONResponse({"features": FEATURES})

    @app.post("/v1/phones/{msisdn}/agentMessages")
    async def send(
        request: Request,
        msisdn: str,
        message_id: str = Query(alias="messageId", min_length=1, max_length=256),
        agent_id: str = Query(alias="agentId"),
    ) -> JSONResponse:
        authorize(request, agent_id)
        launched(agent_id)
        _check_msisdn(msisdn)
        body = await _json(request)
        outcome = outcome_for(msisdn)
        try:
            AgentMessage.model_validate(body)
            _refusal(outcome, (agent_id, message_id) in world.accepted)
        except (ValidationError, RbmError) as exc:
            error = exc if isinstance(exc, RbmError) else RbmError("INVALID_ARGUMENT", first_problem(exc))
            _received(world, msisdn, message_id, agent_id, body, outcome, error)
            RBM_MESSAGES.labels(error.status).inc()
            raise error from None
        world.accepted.add((agent_id, message_id))
        sent_at = rfc3339()
        _received(world, msisdn, message_id, agent_id, body, outcome, None)
        RBM_MESSAGES.labels("ACCEPTED").inc()
        steps = [
            (settings.event_delay_seconds, _user_event(msisdn, event_type, message_id, agent_id))
            for event_type in EVENTS_AFTER.get(outcome, ())
        ]
        if steps:
            poster().schedule(steps)
        return JSONResponse({"name": f"phones/{msisdn}/agentMessages/{message_id}", "sendTime": sent_at, **body})

    @app.post("/v1/agents/{agent_id}/templates")
    async def register_template(request: Request, agent_id: str) -> JSONResponse:
        authorize(request, agent_id)
        try:
            spec = TemplateRequest.model_validate(await _json(request))
        except ValidationError as exc:
            raise RbmError("INVALID_ARGUMENT", first_problem(exc)) from None
        template = RegisteredTemplate(
            template_id=secrets.token_hex(8),
            agent_id=agent_id,
            name=spec.name,
            type=spec.type,
            content=spec.content.model_dump(by_alias=True, exclude_none=True),
            created_at=rfc3339(),
        )
        world.templates[template.template_id] = template

        async def review() -> dict:
            if settings.fetch_media:
                template.media = await _fetch_media(app.state.rbm_media_http, template.content)
            return {"templateEvent": _review_template(template)}

        poster().schedule([(settings.review_delay_seconds, review)])
        return JSONResponse(_template_view(template))

    @app.get("/v1/agents/{agent_id}/templates/{template_id}")
    async def get_template(request: Request, agent_id: str, template_id: str) -> JSONResponse:
        authorize(request, agent_id)
        template = world.templates.get(template_id)
        if template is None or template.agent_id != agent_id:
            raise RbmError("NOT_FOUND", NOT_FOUND)
        return JSONResponse(_template_view(template))

    @app.post("/v1/brands/{brand_id}/agents/{agent_id}:requestLaunch")
    async def launch_agent(request: Request, brand_id: str, agent_id: str) -> JSONResponse:
        """The partner's launch request: a verified agent may message users from now on."""
        partner(request)
        problem = world.launch(agent_id)
        if problem == "not found":
            raise RbmError("NOT_FOUND", NOT_FOUND)
        if problem is not None:
            raise RbmError("FAILED_PRECONDITION", problem)
        return JSONResponse({"name": f"brands/{brand_id}/agents/{agent_id}/launch", "launchState": "LAUNCHED"})

    @app.post("/v1/brands/{brand_id}/agents")
    async def register_agent(request: Request, brand_id: str) -> JSONResponse:
        partner(request)
        try:
            spec = AgentRequest.model_validate(await _json(request))
        except ValidationError as exc:
            raise RbmError("INVALID_ARGUMENT", first_problem(exc)) from None
        if any(a.handle == spec.handle for a in world.agents.values()):
            raise RbmError("ALREADY_EXISTS", f"An agent with handle {spec.handle!r} already exists.")
        agent = RegisteredAgent(
            agent_id=f"{spec.handle.replace('-', '_').replace('.', '_')}_{secrets.token_hex(4)}_agent",
            display_name=spec.display_name,
            handle=spec.handle,
            created_at=rfc3339(),
        )
        secret = "rbm-secret-" + secrets.token_urlsafe(24)
        world.add_agent(agent, secret)
        poster().schedule([(settings.review_delay_seconds, lambda: {"agentEvent": _review_agent(world, agent)})])
        return JSONResponse({**_agent_view(agent), "brand": f"brands/{brand_id}", "secret": secret})

    @app.get("/sandbox/rbm/messages")
    async def received_messages(
        msisdn: str | None = Query(None, description="E.164 with or without '+'; every number when omitted"),
    ) -> dict:
        """Agent messages received (refused ones too), oldest first."""
        return {"messages": [m.model_dump() for m in world.messages(msisdn)]}

    @app.get("/sandbox/rbm/capability-checks")
    async def capability_checks(msisdn: str | None = Query(None)) -> dict:
        wanted = msisdn.strip().lstrip("+") if msisdn else None
        checks = [c for c in world.capability_checks if wanted is None or c.msisdn.lstrip("+") == wanted]
        return {"checks": [c.model_dump() for c in checks]}

    @app.get("/sandbox/rbm/templates")
    async def registered_templates() -> dict:
        return {"templates": [t.model_dump() for t in world.templates.values()]}

    @app.get("/sandbox/rbm/agents")
    async def registered_agents() -> dict:
        return {"agents": [a.model_dump() for a in world.agents.values()]}

    @app.get("/sandbox/rbm/events")
    async def posted_events() -> dict:
        """Events posted to the webhook, with their attempts and last answer."""
        return {"events": [vars(p) for p in poster().posted]}

    return app


def _refusal(outcome: Outcome, already_accepted: bool) -> None:
    if already_accepted:
        raise RbmError("ALREADY_EXISTS", "Requested entity already exists")
    if outcome is Outcome.CHANNEL_NOT_SUPPORTED:
        raise RbmError("NOT_FOUND", NOT_FOUND)
    if outcome is Outcome.REFUSED:
        raise RbmError("FAILED_PRECONDITION", "The recipient's carrier refused the message (sandbox magic number 905)")


def _received(
    world: RbmWorld, msisdn: str, message_id: str, agent_id: str, body: Any, outcome: Outcome, error: RbmError | None
) -> None:
    world.received.append(
        ReceivedAgentMessage(
            msisdn=msisdn,
            message_id=message_id,
            agent_id=agent_id,
            body=body if isinstance(body, dict) else {"_": body},
            status_code=error.http_status if error else 200,
            error_status=error.status if error else None,
            outcome=outcome.value,
            received_at=rfc3339(),
        )
    )


def _user_event(msisdn: str, event_type: str, message_id: str, agent_id: str) -> dict:
    return {
        "senderPhoneNumber": msisdn,
        "eventType": event_type,
        "eventId": "Mx" + secrets.token_hex(12),
        "messageId": message_id,
        "sendTime": rfc3339(),
        "agentId": agent_id,
    }


def _file_urls(content: Any) -> list[str]:
    """Every contentInfo.fileUrl (and thumbnailUrl) in a template's content, in order."""
    if isinstance(content, dict):
        found = [v for k, v in content.items() if k in ("fileUrl", "thumbnailUrl") and isinstance(v, str)]
        return found + [u for k, v in content.items() if k not in ("fileUrl", "thumbnailUrl") for u in _file_urls(v)]
    if isinstance(content, list):
        return [u for item in content for u in _file_urls(item)]
    return []


async def _fetch_media(http: httpx.AsyncClient, content: dict) -> list[dict]:
    """Fetch each media URL as RBM does when it reviews a template."""
    fetched = []
    for url in _file_urls(content):
        try:
            response = await http.get(url)
            kind = response.headers.get("content-type", "").split(";")[0]
            fetched.append(
                {"url": url, "status": response.status_code, "contentType": kind, "bytes": len(response.content)}
            )
        except httpx.HTTPError as error:
            fetched.append({"url": url, "status": None, "error": type(error).__name__})
    return fetched


def _media_problem(template: RegisteredTemplate) -> str | None:
    for media in template.media:
        if media.get("status") != 200:
            return f"media could not be fetched: {media['url']} ({media.get('status') or media.get('error')})"
        if not media["contentType"].startswith(("image/", "video/")):
            return f"media is not an image or video: {media['url']} ({media['contentType']})"
    return None


def _review_template(template: RegisteredTemplate) -> dict:
    rejected = template.name.startswith(REJECT_PREFIX)
    media_problem = _media_problem(template)
    template.state = "REJECTED" if rejected or media_problem else "APPROVED"
    template.reason = TEMPLATE_REJECTION if rejected else media_problem
    return {
        "agentId": template.agent_id,
        "templateId": template.template_id,
        "name": template.name,
        "state": template.state,
        **({"reason": template.reason} if template.reason else {}),
    }


def _review_agent(world: RbmWorld, agent: RegisteredAgent) -> dict:
    rejected = agent.handle.startswith(REJECT_PREFIX)
    world.decide_agent(agent.agent_id, "REJECTED" if rejected else "APPROVED", AGENT_REJECTION if rejected else None)
    return {
        "agentId": agent.agent_id,
        "name": f"agents/{agent.agent_id}",
        "state": agent.state,
        **({"reason": agent.reason} if rejected else {}),
    }


def _template_view(template: RegisteredTemplate) -> dict:
    view = {
        "name": f"agents/{template.agent_id}/templates/{template.template_id}",
        "templateId": template.template_id,
        "templateName": template.name,
        "type": template.type,
        "state": template.state,
        "createTime": template.created_at,
    }
    return {**view, "reason": template.reason} if template.reason else view


def _agent_view(agent: RegisteredAgent) -> dict:
    view = {
        "name": f"agents/{agent.agent_id}",
        "agentId": agent.agent_id,
        "displayName": agent.display_name,
        "handle": agent.handle,
        "state": agent.state,
    }
    return {**view, "reason": agent.reason} if agent.reason else view


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(RbmError)
    async def _rbm(_: Request, exc: RbmError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
        return RbmError("INVALID_ARGUMENT", f"{where}: {error.get('msg', 'invalid')}").response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 401: "UNAUTHENTICATED"}.get(exc.status_code)
        if status is None:
            body = {"error": {"code": exc.status_code, "message": str(exc.detail), "status": "UNKNOWN"}}
            return JSONResponse(body, status_code=exc.status_code)
        return RbmError(status, NOT_FOUND if status == "NOT_FOUND" else str(exc.detail)).response()
