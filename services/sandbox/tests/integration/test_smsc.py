"""The sandbox SMSC against a real SMPP 3.4 client (smpp34, the connector's library)."""

import asyncio
import socket
import struct
from collections.abc import AsyncIterator

import httpx
import pytest
import smpp34
from fastapi import FastAPI

from cpaas.sandbox.app import build_app
from cpaas.sandbox.settings import SandboxSettings

SYSTEM_ID, PASSWORD = "cpaas", "localdev"
RECEIPT_DELAY_SECONDS = 0.05
WAIT_SECONDS = 5
ESME_RINVPASWD, ESME_RSUBMITFAIL = 0x0E, 0x45
DLT = [smpp34.Tlv(0x1400, b"1101234567890123456"), smpp34.Tlv(0x1401, b"1107161234567890123")]


@pytest.fixture
async def sandbox() -> AsyncIterator[FastAPI]:
    settings = SandboxSettings(smpp_port=0, receipt_delay_seconds=RECEIPT_DELAY_SECONDS, serve_channel_apis=False)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def client(app: FastAPI, password: str = PASSWORD) -> smpp34.Client:
    port = app.state.smsc.port
    return smpp34.Client("127.0.0.1", port, SYSTEM_ID, password, bind_type="TRX", connect_timeout_ms=1000)


async def next_receipt(session: smpp34.Smsc) -> smpp34.DeliverSmEvent:
    event = await asyncio.wait_for(session.next(), WAIT_SECONDS)
    assert isinstance(event, smpp34.DeliverSmEvent)
    assert event.esm_class & 0x04
    return event


def tlvs(event: smpp34.DeliverSmEvent) -> dict[int, bytes]:
    return {t.tag: t.value for t in event.tlvs}


def raw_bind(port: int, password: str) -> int:
    """bind_transceiver over a plain socket; returns the command_status of the response."""
    body = SYSTEM_ID.encode() + b"\0" + password.encode() + b"\0" + b"\0" + bytes([0x34, 0, 0]) + b"\0"
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS) as sock:
        sock.sendall(struct.pack("!IIII", 16 + len(body), 0x09, 0, 1) + body)
        _, command_id, status, _ = struct.unpack("!IIII", sock.recv(16))
    assert command_id == 0x80000009
    return status


async def test_bind_with_a_wrong_password_is_refused(sandbox: FastAPI) -> None:
    assert await asyncio.to_thread(raw_bind, sandbox.state.smsc.port, "wrong") == ESME_RINVPASWD
    with pytest.raises(smpp34.SmppError):
        await client(sandbox, password="wrong").connect()


async def test_submit_is_answered_then_receipted_and_listed(sandbox: FastAPI) -> None:
    c = client(sandbox)
    session = await c.connect()
    try:
        resp = await session.submit_sm(
            "919876543210", b"Your OTP is 1234", source_addr="ACMEIN", registered_delivery=1, tlvs=DLT
        )
        assert resp.is_success and resp.message_id
        receipt = await next_receipt(session)
    finally:
        await session.unbind()
        await c.stop()
    text = receipt.short_message.decode("ascii")
    assert text.startswith(f"id:{resp.message_id} sub:001 dlvrd:001 submit date:")
    assert " stat:DELIVRD err:000 text:Your OTP is 1234" in text
    assert tlvs(receipt)[smpp34.TLV_RECEIPTED_MESSAGE_ID] == resp.message_id.encode() + b"\0"
    assert tlvs(receipt)[smpp34.TLV_MESSAGE_STATE] == bytes([2])
    assert (receipt.source_addr, receipt.destination_addr) == ("919876543210", "ACMEIN")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url="http://sandbox") as http:
        listed = (await http.get("/sandbox/smsc/messages", params={"recipient": "+919876543210"})).json()
    [message] = listed["messages"]
    assert message["tlvs"] == {"0x1400": "1101234567890123456", "0x1401": "1107161234567890123"}
    assert (message["text"], message["carrier_message_id"], message["source_addr"]) == (
        "Your OTP is 1234",
        resp.message_id,
        "ACMEIN",
    )


async def test_udh_segments_are_listed_with_their_reference(sandbox: FastAPI) -> None:
    c = client(sandbox)
    session = await c.connect()
    parts = ["नमस्ते " * 9, "दुनिया"]
    try:
        for seq, part in enumerate(parts, 1):
            payload = bytes([5, 0, 3, 42, len(parts), seq]) + part.encode("utf-16-be")
            await session.submit_sm("919876543210", payload, source_addr="ACMEIN", esm_class=0x40, data_coding=8)
    finally:
        await session.unbind()
        await c.stop()
    listed = sandbox.state.smsc.received.find("919876543210")
    assert [(m.segment_ref, m.segment_total, m.segment_seq, m.data_coding) for m in listed] == [
        (42, 2, 1, 8),
        (42, 2, 2, 8),
    ]
    assert "".join(m.text for m in listed) == "".join(parts)


async def test_recipient_ending_905_is_refused_at_submit(sandbox: FastAPI) -> None:
    c = client(sandbox)
    session = await c.connect()
    try:
        resp = await session.submit_sm("919876543905", b"Hi", source_addr="ACMEIN", registered_delivery=1)
    finally:
        await session.unbind()
        await c.stop()
    assert not resp.is_success
    assert resp.command_status == ESME_RSUBMITFAIL
    assert not resp.message_id


async def test_recipient_ending_901_gets_an_undeliverable_receipt(sandbox: FastAPI) -> None:
    c = client(sandbox)
    session = await c.connect()
    try:
        resp = await session.submit_sm("919876543901", b"Hi", source_addr="ACMEIN", registered_delivery=1)
        receipt = await next_receipt(session)
    finally:
        await session.unbind()
        await c.stop()
    text = receipt.short_message.decode("ascii")
    assert text.startswith(f"id:{resp.message_id} sub:001 dlvrd:000")
    assert " stat:UNDELIV err:001 " in text
    assert tlvs(receipt)[smpp34.TLV_MESSAGE_STATE] == bytes([5])


async def test_recipient_ending_902_never_gets_a_receipt(sandbox: FastAPI) -> None:
    c = client(sandbox)
    session = await c.connect()
    try:
        resp = await session.submit_sm("919876543902", b"Hi", source_addr="ACMEIN", registered_delivery=1)
        assert resp.is_success
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(session.next(), RECEIPT_DELAY_SECONDS * 10)
    finally:
        await session.unbind()
        await c.stop()


async def test_receipts_due_while_unbound_are_sent_on_the_next_bind(sandbox: FastAPI) -> None:
    c = client(sandbox)
    session = await c.connect()
    ids = []
    for n in range(3):
        resp = await session.submit_sm(f"91987654321{n}", b"Hi", source_addr="ACMEIN", registered_delivery=1)
        ids.append(resp.message_id)
    await session.unbind()  # before the receipts fall due
    await c.stop()
    async with asyncio.timeout(WAIT_SECONDS):
        while sandbox.state.smsc.queued_receipts(SYSTEM_ID) < len(ids):
            await asyncio.sleep(RECEIPT_DELAY_SECONDS)
    c = client(sandbox)
    session = await c.connect()
    try:
        receipts = [await next_receipt(session) for _ in ids]
    finally:
        await session.unbind()
        await c.stop()
    assert sorted(tlvs(r)[smpp34.TLV_RECEIPTED_MESSAGE_ID].rstrip(b"\0").decode() for r in receipts) == sorted(ids)
    assert sandbox.state.smsc.queued_receipts(SYSTEM_ID) == 0


async def test_ops_endpoints_answer(sandbox: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url="http://sandbox") as http:
        assert (await http.get("/readyz")).status_code == 200
        assert b"cpaas_sandbox_smpp_submits_total" in (await http.get("/metrics")).content
