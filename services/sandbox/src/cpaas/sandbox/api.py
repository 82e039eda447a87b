"""The sandbox's HTTP API for tests and demos: what the carrier world received."""

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from cpaas.sandbox.smsc import ReceivedSubmit, Smsc

router = APIRouter(prefix="/sandbox", tags=["sandbox"])


class ReceivedSubmits(BaseModel):
    messages: list[ReceivedSubmit]


@router.get("/smsc/messages", response_model=ReceivedSubmits)
async def smsc_messages(
    request: Request,
    recipient: str | None = Query(None, description="E.164 with or without '+'; all recipients when omitted"),
    limit: int | None = Query(None, ge=1, le=10_000, description="only the newest this many"),
) -> ReceivedSubmits:
    """Recent submit_sm the SMSC received, oldest first (one entry per segment)."""
    smsc: Smsc = request.app.state.smsc
    return ReceivedSubmits(messages=smsc.received.find(recipient, limit))
