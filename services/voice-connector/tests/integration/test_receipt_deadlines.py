"""Calls whose final status never reaches us: asked about at the deadline (GET the call),
then ended; late callbacks; replicas. Real Kafka, PostgreSQL and the sandbox's voice API
(which retries a callback once, only on a failed connection, as Twilio does)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx

from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.platform.db import create_pool
from cpaas.sandbox.voice.signature import twilio_signature
from cpaas.voice_connector.receipt_deadlines import receipt_sweeper
from cpaas.voice_connector.store import VoiceStore

if TYPE_CHECKING:  # fixtures' types, from this folder's conftest
    from conftest import Connector, Console, Kafka, StartConnector, VoiceSandbox

SUBMITTED_OPERATOR, DELIVERED, UNDELIVERED = (
    MessageStatus.SUBMITTED_OPERATOR,
    MessageStatus.DELIVERED,
    MessageStatus.UNDELIVERED,
)
DEADLINE_SECONDS = 1.0
SHORT_DEADLINE = {"receipt_deadline_seconds": DEADLINE_SECONDS, "receipt_sweep_seconds": 0.2}
SETTLE_SECONDS = 1.0


async def post_callback(connector: Connector, message_id: str, call_sid: str, status: str, token: str) -> int:
    """A status callback as the provider posts it, signed with the auth token."""
    url = f"{connector.settings.public_base_url}/webhooks/voice/status?messageId={message_id}&attempt=1"
    params = [
        ("AccountSid", "ACsandbox"),
        ("CallSid", call_sid),
        ("CallStatus", status),
        ("CallDuration", "4"),
        ("Timestamp", datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")),
    ]
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(token, url, params),
    }
    async with httpx.AsyncClient() as http:
        return (await http.post(url, content=urlencode(params), headers=headers)).status_code


async def test_call_never_reported_is_asked_about_then_ends_undelivered_receipt_expired(
    start_connector: StartConnector, voice_sandbox: VoiceSandbox, console: Console, kafka: Kafka
) -> None:
    async with start_connector(voice_sandbox.url, **SHORT_DEADLINE):
        event = console.submit_event("+919876543902")  # initiated, then nothing ever
        await kafka.submit(event)
        submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        expired = await kafka.wait_for(event.message_id, UNDELIVERED)
        await kafka.settle(SETTLE_SECONDS)
    assert (expired.occurred_at - submitted.occurred_at).total_seconds() >= DEADLINE_SECONDS
    assert (expired.error_code, expired.error_detail) == (ErrorCode.RECEIPT_EXPIRED, "expired, no receipt within 1 s")
    assert expired.carrier_error_code == "initiated"  # what the provider said when asked
    assert (expired.attempt, expired.carrier_message_id) == (1, submitted.carrier_message_id)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED]


async def test_a_final_callback_after_the_expiry_is_still_published_for_the_same_attempt(
    start_connector: StartConnector, voice_sandbox: VoiceSandbox, console: Console, kafka: Kafka
) -> None:
    async with start_connector(voice_sandbox.url, **SHORT_DEADLINE) as connector:
        event = console.submit_event("+919876543902")
        await kafka.submit(event)
        expired = await kafka.wait_for(event.message_id, UNDELIVERED)
        assert expired.carrier_message_id
        token = voice_sandbox.settings.auth_token
        assert await post_callback(connector, event.message_id, expired.carrier_message_id, "completed", token) == 204
        delivered = await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(SETTLE_SECONDS)  # and it never expires a second time
    assert (delivered.attempt, delivered.carrier_message_id) == (1, expired.carrier_message_id)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED, DELIVERED]


async def test_callbacks_lost_while_we_were_unreachable_are_recovered_by_asking_the_provider(
    start_connector: StartConnector, voice_sandbox: VoiceSandbox, console: Console, kafka: Kafka, unused_port: int
) -> None:
    """The provider calls back on a port where nothing listens (tried twice, then lost).
    The deadline outlasts the call (each lost callback holds the sandbox's call 0.5 s)."""
    unreachable = f"http://127.0.0.1:{unused_port}"
    deadline = {**SHORT_DEADLINE, "receipt_deadline_seconds": 4.0}
    async with start_connector(voice_sandbox.url, public_base_url=unreachable, **deadline):
        event = console.submit_event("+919876543210")
        await kafka.submit(event)
        submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        delivered = await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(SETTLE_SECONDS)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    assert delivered.carrier_message_id == submitted.carrier_message_id
    [call] = await voice_sandbox.calls("+919876543210")
    assert call["status"] == "completed"
    assert {(c["status"], c["http_status"], c["attempts"]) for c in call["callbacks"]} == {
        (status, None, 2) for status in ("initiated", "ringing", "in-progress", "completed")
    }


async def test_replicas_sweeping_at_once_publish_each_expiry_once(
    start_connector: StartConnector, voice_sandbox: VoiceSandbox, console: Console, kafka: Kafka
) -> None:
    async with start_connector(voice_sandbox.url, **SHORT_DEADLINE) as connector:
        events = [console.submit_event(f"+91987654{n:02d}902") for n in range(6)]
        for event in events:
            await kafka.submit(event)
        for event in events:
            await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        await asyncio.sleep(DEADLINE_SECONDS)
        provider = connector.app.state.provider
        pool = await create_pool(connector.settings.postgres, schema="voice", application_name="voice-replica")
        try:  # three more replicas, each with its own connections, beside the connector's own sweeper
            store = VoiceStore(pool, receipt_deadline_seconds=DEADLINE_SECONDS)
            replicas = [
                receipt_sweeper(store, provider, kafka.publisher, service="voice-replica", every_seconds=60)
                for _ in range(3)
            ]
            await asyncio.gather(*(r.sweep_once() for r in replicas))
        finally:
            await pool.close()
        for event in events:
            await kafka.wait_for(event.message_id, UNDELIVERED)
        await kafka.settle(SETTLE_SECONDS)
    assert [kafka.of(e.message_id) for e in events] == [[SUBMITTED_OPERATOR, UNDELIVERED]] * len(events)
