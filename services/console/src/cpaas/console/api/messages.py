"""Quick Message: one message sent from the console, through the gateway.

The console does not publish submits itself: it hands the request to the gateway's
internal submit on the user's account, so a console send passes exactly the checks an
API send does (templates, sender IDs, variables, blacklist, balance, rate) and is
reported, charged and delivered the same way. The page sends an Idempotency-Key per
click, so a double click or a retried request sends once."""

from typing import Annotated

from fastapi import APIRouter, Header, Request

from cpaas.console.api.deps import User
from cpaas.console.services import call_service
from cpaas.contracts.submit import SubmitRequest, SubmitResponse

MAX_IDEMPOTENCY_KEY_LENGTH = 200  # the gateway allows 255; the console prefixes the user


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["quick message"])

    @router.post("/messages", response_model=SubmitResponse, status_code=202)
    async def send_message(
        body: SubmitRequest,
        request: Request,
        user: User,
        idempotency_key: Annotated[str | None, Header(max_length=MAX_IDEMPOTENCY_KEY_LENGTH)] = None,
    ) -> dict:
        state = request.app.state
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = f"console:{user.id}:{idempotency_key}"
        response = await call_service(
            state.gateway_http,
            "the gateway",
            state.settings.service_token,
            "POST",
            f"/internal/v1/accounts/{user.account_id}/messages/submit",
            content=body.model_dump_json(exclude_none=True),
            headers=headers,
        )
        return response.json()

    return router
