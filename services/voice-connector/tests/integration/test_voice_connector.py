"""The voice connector end to end: real Kafka, real PostgreSQL, the sandbox's voice API
over HTTP, and its signed status callbacks to the connector over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest

from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.sandbox.voice.signature import twilio_signature

if TYPE_CHECKING:  # fixtures' types, from this folder's conftest
    from conftest import Connector, Console, Kafka, StartConnector, VoiceSandbox

SUBMITTED_OPERATOR, DELIVERED = MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED
SETTLE_SECONDS = 1.0  # several call-progress delays: long enough to see nothing more happen


async def test_answered_call_is_submitted_then_delivered(
    connector: Connector,
    console: Console,
    voice_sandbox: VoiceSandbox,
    kafka: Kafka,
    db: asyncpg.Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    event = console.submit_event("+919876543210")
    await kafka.submit(event)
    submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    delivered = await kafka.wait_for(event.message_id, DELIVERED)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    [call] = await voice_sandbox.calls("+919876543210")
    assert call["from"] == "+919000000002"
    assert call["say"] == [
        {"text": "Your verification code is 482913. I repeat, 482913.", "voice": "female", "language": "en-IN",
         "loop": 1}
    ]  # fmt: skip
    assert submitted.carrier_message_id == delivered.carrier_message_id == call["sid"]
    assert (delivered.channel, delivered.template_id, delivered.campaign_id, delivered.sender_id) == (
        "VOICE",
        console.templates["VOICE"],
        11,
        "+919000000002",
    )
    assert delivered.error_code is None
    assert delivered.occurred_at >= submitted.occurred_at
    row = await db.fetchrow("SELECT *, state AS status FROM voice.sends WHERE message_id = $1", event.message_id)
    assert (row["status"], row["provider_status"], row["published_status"]) == ("ACCEPTED", "completed", "DELIVERED")
    assert row["duration_seconds"] > 0
    reported = await db.fetch("SELECT status FROM voice.call_events WHERE call_sid = $1", call["sid"])
    assert {r["status"] for r in reported} == {"initiated", "ringing", "in-progress", "completed"}
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert call["sid"] in logged and connector.settings.auth_token not in logged


@pytest.mark.parametrize(
    ("recipient", "status", "error_code", "carrier_error_code"),
    [
        ("+919876543901", MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE, "no-answer"),
        ("+919876543906", MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE, "busy"),
        ("+919876543907", MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED, "failed"),
    ],
    ids=["901-no-answer", "906-busy", "907-failed"],
)
async def test_unanswered_call_ends_with_the_providers_status_as_its_code(
    connector: Connector,
    console: Console,
    kafka: Kafka,
    recipient: str,
    status: MessageStatus,
    error_code: ErrorCode,
    carrier_error_code: str,
) -> None:
    event = console.submit_event(recipient)
    await kafka.submit(event)
    final = await kafka.wait_for(event.message_id, status)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, status]
    assert (final.error_code, final.carrier_error_code) == (error_code, carrier_error_code)
    assert final.error_detail is not None and carrier_error_code in final.error_detail


async def test_call_refused_at_create_fails_with_the_providers_code(
    connector: Connector, console: Console, voice_sandbox: VoiceSandbox, kafka: Kafka
) -> None:
    event = console.submit_event("+919876543905")
    await kafka.submit(event)
    failed = await kafka.wait_for(event.message_id, MessageStatus.FAILED)
    assert kafka.of(event.message_id) == [MessageStatus.FAILED]
    assert (failed.error_code, failed.carrier_error_code) == (ErrorCode.CARRIER_REJECTED, "13224")
    assert failed.carrier_message_id is None
    assert await voice_sandbox.calls("+919876543905") == []


async def test_call_never_reported_stays_submitted(connector: Connector, console: Console, kafka: Kafka) -> None:
    event = console.submit_event("+919876543902")
    await kafka.submit(event)
    await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    await kafka.settle(SETTLE_SECONDS)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR]


async def test_duplicate_callback_changes_nothing(
    connector: Connector, console: Console, voice_sandbox: VoiceSandbox, kafka: Kafka, db: asyncpg.Connection
) -> None:
    event = console.submit_event("+919876543210")
    await kafka.submit(event)
    delivered = await kafka.wait_for(event.message_id, DELIVERED)
    url, params = callback(connector, event.message_id, delivered.carrier_message_id or "", "completed")
    signature = twilio_signature(voice_sandbox.settings.auth_token, url, params)
    async with httpx.AsyncClient() as http:
        response = await http.post(url, content=urlencode(params), headers=form_headers(signature))
    assert response.status_code == 204
    await kafka.settle(SETTLE_SECONDS)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    assert await db.fetchval("SELECT count(*) FROM voice.call_events WHERE status = 'completed'") == 1


async def test_callback_with_a_bad_signature_is_refused_and_logged(
    connector: Connector, console: Console, kafka: Kafka, caplog: pytest.LogCaptureFixture
) -> None:
    event = console.submit_event("+919876543902")  # never reported by the sandbox itself
    await kafka.submit(event)
    submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    url, params = callback(connector, event.message_id, submitted.carrier_message_id or "", "completed")
    forged = twilio_signature("not-the-auth-token", url, params)
    with caplog.at_level(logging.WARNING, logger="cpaas.voice_connector"):
        async with httpx.AsyncClient() as http:
            response = await http.post(url, content=urlencode(params), headers=form_headers(forged))
            unsigned = await http.post(url, content=urlencode(params), headers=form_headers(None))
    assert (response.status_code, unsigned.status_code) == (401, 401)
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert sum("bad signature" in r.getMessage() for r in caplog.records) == 2
    await kafka.settle(SETTLE_SECONDS)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR]


async def test_the_same_submit_twice_creates_one_call(
    connector: Connector, console: Console, voice_sandbox: VoiceSandbox, kafka: Kafka
) -> None:
    event = console.submit_event("+919876543211")
    await kafka.submit(event)
    await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    await kafka.submit(event)
    await kafka.wait_for(event.message_id, DELIVERED)
    await kafka.settle(SETTLE_SECONDS)
    assert len(await voice_sandbox.calls("+919876543211")) == 1
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_non_voice_template_fails_without_a_call(
    connector: Connector, console: Console, voice_sandbox: VoiceSandbox, kafka: Kafka
) -> None:
    event = console.submit_event("+919876543212", template="SMS")
    await kafka.submit(event)
    failed = await kafka.wait_for(event.message_id, MessageStatus.FAILED)
    assert failed.error_code is ErrorCode.TEMPLATE_CHANNEL_MISMATCH
    assert await voice_sandbox.calls("+919876543212") == []


async def test_edited_template_is_spoken_at_once(
    connector: Connector, console: Console, voice_sandbox: VoiceSandbox, kafka: Kafka, db: asyncpg.Connection
) -> None:
    first = console.submit_event("+919876543213")
    await kafka.submit(first)
    await kafka.wait_for(first.message_id, SUBMITTED_OPERATOR)
    await db.execute(
        'UPDATE console.templates SET body = \'Code {{1}}.\', content = \'{"voice": "male", "repeat": 2}\''
        " WHERE id = $1",
        console.templates["VOICE"],
    )
    second = console.submit_event("+919876543213", code="77")
    await kafka.submit(second)
    await kafka.wait_for(second.message_id, SUBMITTED_OPERATOR)
    spoken = [call["say"] for call in await voice_sandbox.calls("+919876543213")]
    assert spoken[-1] == [{"text": "Code 77.", "voice": "male", "language": "en-IN", "loop": 2}]


async def test_calls_wait_while_the_provider_is_unreachable(
    start_connector: StartConnector,
    sandbox_on_port: Callable[[int], AbstractAsyncContextManager[VoiceSandbox]],
    unused_port: int,
    console: Console,
    kafka: Kafka,
) -> None:
    event = console.submit_event("+919876543214")
    async with start_connector(f"http://127.0.0.1:{unused_port}"):
        await kafka.submit(event)
        await kafka.settle(SETTLE_SECONDS)
        assert kafka.of(event.message_id) == []
        async with sandbox_on_port(unused_port) as sandbox:
            await kafka.wait_for(event.message_id, DELIVERED)
            assert len(await sandbox.calls("+919876543214")) == 1
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_ready_once_started(connector: Connector) -> None:
    async with httpx.AsyncClient(base_url=connector.url) as http:
        assert (await http.get("/readyz")).status_code == 200
        assert "cpaas_voice_calls_total" in (await http.get("/metrics")).text


def callback(connector: Connector, message_id: str, call_sid: str, status: str) -> tuple[str, list[tuple[str, str]]]:
    """A status callback's URL and form, as the provider would post them."""
    url = f"{connector.settings.public_base_url}/webhooks/voice/status?messageId={message_id}&attempt=1"
    params = [
        ("AccountSid", "ACsandbox"),
        ("CallSid", call_sid),
        ("CallStatus", status),
        ("CallDuration", "4"),
        ("Timestamp", datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")),
    ]
    return url, params


def form_headers(signature: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return headers
