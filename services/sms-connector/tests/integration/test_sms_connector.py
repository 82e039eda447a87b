"""The SMS connector end to end: real Kafka, real PostgreSQL, the sandbox SMSC over SMPP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

import asyncpg
from fastapi import FastAPI

from cpaas.contracts import Channel, ErrorCode, MessageStatus

if TYPE_CHECKING:  # fixtures' types, from this folder's conftest
    from conftest import Console, Kafka

Connector = Callable[[FastAPI], AbstractAsyncContextManager[FastAPI]]
Smsc = Callable[[FastAPI, str], Awaitable[list[dict]]]
Sql = Callable[..., Awaitable[str]]

DELIVERED, SUBMITTED_OPERATOR = MessageStatus.DELIVERED, MessageStatus.SUBMITTED_OPERATOR
console_system_id = "cpaas"  # the connector's default SMPP system_id
HINDI_TEXT = "नमस्ते! आपका ऑर्डर भेज दिया गया है और कल तक पहुँच जाएगा। धन्यवाद, फिर से खरीदारी करें।" * 2


async def test_sms_is_submitted_then_delivered_with_its_dlt_ids(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543210")
    async with connector(sandbox):
        await kafka.submit(event)
        submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        delivered = await kafka.wait_for(event.message_id, DELIVERED)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    [sms] = await smsc(sandbox, "+919876543210")
    assert sms["text"] == "Your OTP is 482913. Do not share it."
    assert sms["source_addr"] == console.sender_id
    assert sms["tlvs"] == {"0x1400": console.pe_id, "0x1401": console.otp_dlt_template_id}
    assert submitted.carrier_message_id == delivered.carrier_message_id == sms["carrier_message_id"]
    assert (submitted.segments, submitted.sender_id, submitted.template_id, submitted.campaign_id) == (
        1,
        console.sender_id,
        console.otp_template_id,
        7,
    )
    assert delivered.occurred_at >= submitted.occurred_at
    assert delivered.error_code is None


async def test_recipient_ending_901_ends_undelivered_with_the_carrier_error_code(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543901")
    async with connector(sandbox):
        await kafka.submit(event)
        undelivered = await kafka.wait_for(event.message_id, MessageStatus.UNDELIVERED)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, MessageStatus.UNDELIVERED]
    assert undelivered.error_code is ErrorCode.CARRIER_UNDELIVERABLE
    assert (undelivered.carrier_error_code, undelivered.error_detail) == ("001", "UNDELIV")


async def test_recipient_ending_905_fails_at_submit(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543905")
    async with connector(sandbox):
        await kafka.submit(event)
        failed = await kafka.wait_for(event.message_id, MessageStatus.FAILED)
    assert kafka.of(event.message_id) == [MessageStatus.FAILED]
    assert failed.error_code is ErrorCode.CARRIER_REJECTED
    assert failed.carrier_error_code == "0x00000045"
    assert "0x00000045" in (failed.error_detail or "")
    assert failed.carrier_message_id is None


async def test_long_hindi_text_goes_as_ucs2_segments_and_is_delivered_once(
    connector: Connector,
    console: Console,
    sandbox: FastAPI,
    kafka: Kafka,
    smsc: Smsc,
    segment_rows: Callable[[str], Awaitable[list[asyncpg.Record]]],
) -> None:
    event = console.submit_event("+919876543211", template_id=console.hindi_template_id, variables={"1": HINDI_TEXT})
    async with connector(sandbox):
        await kafka.submit(event)
        submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(0.5)  # every segment's receipt is in: still one DELIVERED
    segments = await smsc(sandbox, "+919876543211")
    assert len(segments) == submitted.segments == 3
    assert {(s["data_coding"], s["esm_class"], s["segment_total"]) for s in segments} == {(8, 0x40, 3)}
    assert sorted(s["segment_seq"] for s in segments) == [1, 2, 3]
    assert len({s["segment_ref"] for s in segments}) == 1
    assert "".join(s["text"] for s in sorted(segments, key=lambda s: s["segment_seq"])) == HINDI_TEXT
    assert all(s["tlvs"]["0x1401"] == console.hindi_dlt_template_id for s in segments)
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    assert [r["receipt_status"] for r in await segment_rows(event.message_id)] == ["DELIVRD"] * 3


async def test_message_submitted_while_the_connector_is_stopped_is_sent_when_it_starts(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543212")
    await kafka.submit(event)
    await asyncio.sleep(0.5)
    assert await smsc(sandbox, "+919876543212") == []
    async with connector(sandbox):
        await kafka.wait_for(event.message_id, DELIVERED)
    assert len(await smsc(sandbox, "+919876543212")) == 1


async def test_receipt_arriving_after_a_connector_restart_is_applied(
    connector: Connector,
    console: Console,
    kafka: Kafka,
    smsc: Smsc,
    sandbox_with_delay: Callable[..., AbstractAsyncContextManager[FastAPI]],
) -> None:
    event = console.submit_event("+919876543213")
    async with sandbox_with_delay(2.0) as sandbox:
        async with connector(sandbox):
            await kafka.submit(event)
            await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR]
        async with asyncio.timeout(5):  # the receipt falls due while no connector is bound
            while sandbox.state.smsc.queued_receipts(console_system_id) < 1:
                await asyncio.sleep(0.05)
        async with connector(sandbox):
            delivered = await kafka.wait_for(event.message_id, DELIVERED)
        assert len(await smsc(sandbox, "+919876543213")) == 1
    assert delivered.carrier_message_id is not None


async def test_poison_record_goes_to_the_dlq_and_the_next_message_is_still_sent(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka
) -> None:
    event = console.submit_event("+919876543214")
    await kafka.submit_raw(
        Channel.SMS, b"{not an event", key=event.message_id.encode()
    )  # same key: same partition, first
    await kafka.submit(event)
    async with connector(sandbox):
        await kafka.wait_for(event.message_id, DELIVERED)
    dead = await kafka.read_dlq(Channel.SMS)
    assert [record.value for record in dead] == [b"{not an event"]
    assert dict(dead[0].headers)["x-dlq-source-topic"] == kafka.settings.topic("msg.submit.sms").encode()


async def test_the_same_submit_event_twice_is_sent_to_the_smsc_once(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543215")
    async with connector(sandbox):
        await kafka.submit(event)
        await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.submit(event)  # a redelivery after the first was handled (separate batch)
        await kafka.submit(event)
        await kafka.settle(1.0)
    assert len(await smsc(sandbox, "+919876543215")) == 1
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_duplicates_within_one_batch_are_sent_once(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543216")
    for _ in range(3):
        await kafka.submit(event)  # before the connector runs: one batch
    async with connector(sandbox):
        await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(0.5)
    assert len(await smsc(sandbox, "+919876543216")) == 1
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_message_with_a_template_of_another_channel_fails_to_render(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc
) -> None:
    event = console.submit_event("+919876543217", template_id=console.whatsapp_template_id)
    async with connector(sandbox):
        await kafka.submit(event)
        failed = await kafka.wait_for(event.message_id, MessageStatus.FAILED)
    assert failed.error_code is ErrorCode.RENDER_FAILED
    assert await smsc(sandbox, "+919876543217") == []


async def test_connector_binds_again_after_the_smsc_restarts(
    connector: Connector,
    console: Console,
    kafka: Kafka,
    smsc: Smsc,
    sandbox_with_delay: Callable[..., AbstractAsyncContextManager[FastAPI]],
) -> None:
    first, second = console.submit_event("+919876543218"), console.submit_event("+919876543219")
    async with sandbox_with_delay(0.1) as sandbox:
        port = sandbox.state.smsc.port
        async with connector(sandbox) as app:
            await kafka.submit(first)
            await kafka.wait_for(first.message_id, DELIVERED)
            await sandbox.state.smsc.stop()  # the SMSC goes away, then comes back on the same port
            await asyncio.sleep(0.3)
            assert not await app.state.carrier.is_bound()
            await kafka.submit(second)  # waits for a bind
            async with sandbox_with_delay(0.1, port) as restarted:
                await kafka.wait_for(second.message_id, DELIVERED)
    assert len(await smsc(restarted, "+919876543219")) == 1


async def test_an_attempt_left_submitting_by_a_crash_is_sent_again(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc, sql: Sql
) -> None:
    event = console.submit_event("+919876543221")
    async with connector(sandbox):
        # a previous run claimed it and died before it could record the submit_sm_resp
        await sql(
            "INSERT INTO sms.sends (message_id, attempt, account_id, recipient, template_id)"
            " VALUES ($1, 1, $2, $3, $4)",
            event.message_id,
            event.account_id,
            event.recipient,
            event.template_id,
        )
        await kafka.submit(event)
        await kafka.wait_for(event.message_id, DELIVERED)
    assert len(await smsc(sandbox, "+919876543221")) == 1


async def test_a_template_edited_in_the_console_is_used_at_once(
    connector: Connector, console: Console, sandbox: FastAPI, kafka: Kafka, smsc: Smsc, sql: Sql
) -> None:
    first, second = console.submit_event("+919876543222"), console.submit_event("+919876543223")
    async with connector(sandbox):
        await kafka.submit(first)
        await kafka.wait_for(first.message_id, SUBMITTED_OPERATOR)  # the template is cached now
        await sql("UPDATE console.templates SET body = 'Code {#var#}' WHERE id = $1", console.otp_template_id)
        await asyncio.sleep(0.2)  # the NOTIFY evicts the cached template
        await kafka.submit(second)
        await kafka.wait_for(second.message_id, SUBMITTED_OPERATOR)
    [sms] = await smsc(sandbox, "+919876543223")
    assert sms["text"] == "Code 482913"


async def test_with_two_binds_a_long_message_is_submitted_over_both_and_delivered_once(
    connector: Connector,
    console: Console,
    sandbox: FastAPI,
    kafka: Kafka,
    smsc: Smsc,
    segment_rows: Callable[[str], Awaitable[list[asyncpg.Record]]],
) -> None:
    event = console.submit_event("+919876543224", template_id=console.hindi_template_id, variables={"1": HINDI_TEXT})
    async with connector(sandbox, binds=2) as app:
        async with asyncio.timeout(5):
            while not all(link.bound.is_set() for link in app.state.carrier.links):
                await asyncio.sleep(0.05)
        await kafka.submit(event)
        submitted = await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        await kafka.wait_for(event.message_id, DELIVERED)
        await kafka.settle(0.5)
        used = {link.name for link in app.state.carrier.links if link.answered}
    assert used == {"0", "1"}  # the segments went round robin over the bound links
    assert len(await smsc(sandbox, "+919876543224")) == submitted.segments == 3
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    assert [r["receipt_status"] for r in await segment_rows(event.message_id)] == ["DELIVRD"] * 3
