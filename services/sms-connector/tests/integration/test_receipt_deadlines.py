"""Receipt deadlines: a message whose receipt never comes is asked about with query_sm,
then ended; a receipt after the expiry still applies. Deadlines of about a second."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from cpaas.contracts import ErrorCode, MessageStatus

if TYPE_CHECKING:  # fixtures' types, from this folder's conftest
    from conftest import Console, Kafka

Connector = Callable[..., AbstractAsyncContextManager[FastAPI]]
Sandbox = Callable[..., AbstractAsyncContextManager[FastAPI]]
Smsc = Callable[[FastAPI, str], Awaitable[list[dict]]]
DELIVERED, SUBMITTED_OPERATOR, UNDELIVERED = (
    MessageStatus.DELIVERED,
    MessageStatus.SUBMITTED_OPERATOR,
    MessageStatus.UNDELIVERED,
)
# validity 1 s + grace 0.5 s: the deadline 1.5 s after the submit_sm_resp, looked for every 0.2 s
SHORT_DEADLINE = {"validity_period_seconds": 1, "receipt_grace_seconds": 0.5, "receipt_sweep_seconds": 0.2}
LONG_TEXT = "नमस्ते! आपका ऑर्डर भेज दिया गया है और कल तक पहुँच जाएगा। धन्यवाद, फिर से खरीदारी करें।" * 2


async def test_sms_to_902_ends_undelivered_receipt_expired_after_its_deadline(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543902")
    async with connector(sandbox, **SHORT_DEADLINE):
        await kafka.submit(event)
        submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        expired = await kafka.wait_for(event.message_id, UNDELIVERED)
        await kafka.settle(0.6)  # expired once, not again in later sweeps
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED]
    assert expired.error_code is ErrorCode.RECEIPT_EXPIRED
    assert expired.error_detail == "expired, no receipt within 1.5 s"
    assert (expired.attempt, expired.carrier_message_id) == (event.attempt, submitted.carrier_message_id)
    assert (expired.occurred_at - submitted.occurred_at).total_seconds() >= 1.5
    [sms] = await smsc(sandbox, "+919876543902")
    assert sms["validity_seconds"] == 1  # the validity period went in the submit_sm


async def test_sms_to_908_ends_delivered_through_query_sm(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka
) -> None:
    event = console.submit_event("+919876543908")
    async with connector(sandbox, **SHORT_DEADLINE):
        await kafka.submit(event)
        await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        delivered = await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(0.6)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    assert delivered.error_code is None


async def test_a_long_sms_to_908_is_asked_about_segment_by_segment_and_ends_delivered_once(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, segment_rows
) -> None:
    event = console.submit_event("+919876543908", template_id=console.hindi_template_id, variables={"1": LONG_TEXT})
    async with connector(sandbox, **SHORT_DEADLINE):
        await kafka.submit(event)
        submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(0.6)
    assert submitted.segments == 3
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    assert [r["receipt_status"] for r in await segment_rows(event.message_id)] == ["DELIVRD"] * 3


async def test_a_receipt_after_the_expiry_publishes_delivered_for_the_same_attempt(
    connector: Connector, console: Console, sandbox_with_delay: Sandbox, kafka: Kafka
) -> None:
    event = console.submit_event("+919876543233")
    async with sandbox_with_delay(3.0) as sandbox, connector(sandbox, **SHORT_DEADLINE):  # receipt after 3 s
        await kafka.submit(event)
        await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        expired = await kafka.wait_for(event.message_id, UNDELIVERED)  # asked at 1.5 s: still ENROUTE
        delivered = await kafka.wait_for(event.message_id, DELIVERED)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED, DELIVERED]
    assert expired.error_code is ErrorCode.RECEIPT_EXPIRED
    assert delivered.attempt == expired.attempt == event.attempt
    assert delivered.occurred_at > expired.occurred_at


async def test_a_message_whose_receipt_comes_in_time_has_no_expiry(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka
) -> None:
    event = console.submit_event("+919876543234")
    async with connector(sandbox, **SHORT_DEADLINE):
        await kafka.submit(event)
        await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(2.0)  # past the deadline
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
