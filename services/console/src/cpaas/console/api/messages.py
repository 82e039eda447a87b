"""Quick Message: one message sent from the console, through the gateway.

The console does not publish submits itself: it hands the request to the gateway's
internal submit on the user's account, so a console send passes exactly the checks an
API send does (templates, sender IDs, variables, blacklist, balance, rate) and is
reported, charged and delivered the same way. The page sends an Idempotency-Key per
click, so a double click or a retried request sends once."""

from typing import Annotated

from fastapi import APIRouter, Header

from cpaas.console.api.deps import Apis, User
from cpaas.contracts.submit import SubmitRequest, SubmitResponse

MAX_IDEMPOTENCY_KEY_LENGTH = 200  # the gateway allows 255; the console prefixes the user


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["quick message"])

    @router.post("/messages", response_model=SubmitResponse, status_code=202)
    async def send_message(
        body: SubmitRequest,
        apis: Apis,
        user: User,
        idempotency_key: Annotated[str | None, Header(max_length=MAX_IDEMPOTENCY_KEY_LENGTH)] = None,
    ) -> dict:
        # keys are the user's own: two users' "1" are two sends
        key = f"console:{user.id}:{idempotency_key}" if idempotency_key else None
        return await apis.submit(user.account_id, body.model_dump_json(exclude_none=True), key)

    return router
