"""The sandbox SMSC against a real SMPP 3.4 client (smpp34's) and a bare one that answers nothing unless told."""

import asyncio
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import smpp34
from fastapi import FastAPI

from cpaas.sandbox.app import build_app
from cpaas.sandbox.settings import SandboxSettings

SYSTEM_ID, PASSWORD = "cpaas", "localdev"
RECEIPT_DELAY_SECONDS = 0.05
WAIT_SECONDS = 5
ESME_RINVPASWD, ESME_RSUBMITFAIL, ESME_RINVMSGID = 0x0E, 0x45, 0x0C
QUERY_SM, QUERY_SM_RESP, DELIVER_SM, DELIVER_SM_RESP, SUBMIT_SM_RESP = 0x03, 0x80000003, 0x05, 0x80000005, 0x80000004
ENROUTE, DELIVERED, UNDELIVERABLE = 1, 2, 5
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


@dataclass(frozen=True)
class RawPdu:
    command_id: int
    status: int
    sequence: int
    body: bytes


class RawEsme:
    """A bare SMPP transceiver over a socket: it answers nothing unless told (smpp34
    acknowledges every deliver_sm itself and has no query_sm)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.sequence = reader, writer, 1

    @classmethod
    async def bind(cls, app: FastAPI) -> "RawEsme":
        esme = cls(*await asyncio.open_connection("127.0.0.1", app.state.smsc.port))
        body = SYSTEM_ID.encode() + b"\0" + PASSWORD.encode() + b"\0\0" + bytes([0x34, 0, 0]) + b"\0"
        answer = await esme.request(0x09, body)
        assert (answer.command_id, answer.status) == (0x80000009, 0)
        return esme

    def send(self, command_id: int, body: bytes, sequence: int | None = None) -> int:
        if sequence is None:
            self.sequence += 1
            sequence = self.sequence
        self.writer.write(struct.pack("!IIII", 16 + len(body), command_id, 0, sequence) + body)
        return sequence

    async def read(self, command_id: int | None = None) -> RawPdu:
        """The next PDU (of that command, skipping others)."""
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                length, cid, status, sequence = struct.unpack("!IIII", await self.reader.readexactly(16))
                pdu = RawPdu(cid, status, sequence, await self.reader.readexactly(length - 16))
                if command_id is None or cid == command_id:
                    return pdu

    async def request(self, command_id: int, body: bytes) -> RawPdu:
        self.send(command_id, body)
        return await self.read(command_id | 0x80000000)

    async def submit(self, recipient: str, validity_period: str = "") -> str:
        pdu = smpp34.SubmitSm(
            "ACMEIN", recipient, b"Hi", registered_delivery=1, validity_period=validity_period, sequence_number=1
        ).encode()
        answer = await self.request(0x04, pdu[16:])
        assert answer.status == 0
        return answer.body.rstrip(b"\0").decode()

    async def query(self, message_id: str, source_addr: str = "ACMEIN") -> RawPdu:
        return await self.request(QUERY_SM, message_id.encode() + b"\0" + bytes([5, 0]) + source_addr.encode() + b"\0")

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def query_answer(pdu: RawPdu) -> tuple[str, str, int, int]:
    """(message_id, final_date, message_state, error_code) of a query_sm_resp."""
    message_id, final_date, rest = pdu.body.split(b"\0", 2)
    return message_id.decode(), final_date.decode(), rest[0], rest[1]


def receipted_id(deliver: RawPdu) -> str:
    return (
        smpp34.decode(struct.pack("!IIII", 16 + len(deliver.body), DELIVER_SM, 0, deliver.sequence) + deliver.body)
        .short_message.decode()
        .split()[0]
    )


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


async def test_query_sm_answers_enroute_until_the_outcome_then_delivered_with_its_final_date(sandbox: FastAPI) -> None:
    esme = await RawEsme.bind(sandbox)
    try:
        message_id = await esme.submit("919876543210")
        before = query_answer(await esme.query(message_id))
        await esme.read(DELIVER_SM)  # the receipt: the outcome fell due
        after = query_answer(await esme.query(message_id))
    finally:
        await esme.close()
    assert before == (message_id, "", ENROUTE, 0)
    assert after[0] == message_id and (after[2], after[3]) == (DELIVERED, 0)
    final = datetime.strptime(after[1][:12], "%y%m%d%H%M%S").replace(tzinfo=UTC)
    assert after[1].endswith("00+") and abs((datetime.now(UTC) - final).total_seconds()) < 5


async def test_recipient_ending_902_stays_enroute_when_queried(sandbox: FastAPI) -> None:
    esme = await RawEsme.bind(sandbox)
    try:
        message_id = await esme.submit("919876543902")
        await asyncio.sleep(RECEIPT_DELAY_SECONDS * 4)
        answer = query_answer(await esme.query(message_id))
    finally:
        await esme.close()
    assert answer == (message_id, "", ENROUTE, 0)


async def test_recipient_ending_908_gets_no_receipt_but_is_delivered_when_queried(sandbox: FastAPI) -> None:
    esme = await RawEsme.bind(sandbox)
    try:
        message_id = await esme.submit("919876543908")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(RECEIPT_DELAY_SECONDS * 10):
                await esme.read(DELIVER_SM)
        answer = query_answer(await esme.query(message_id))
    finally:
        await esme.close()
    assert (answer[0], answer[2], answer[3]) == (message_id, DELIVERED, 0)
    [listed] = sandbox.state.smsc.received.find("919876543908")
    assert listed.outcome == "RECEIPT_LOST"


async def test_query_sm_for_an_unknown_message_or_from_another_sender_is_refused(sandbox: FastAPI) -> None:
    esme = await RawEsme.bind(sandbox)
    try:
        message_id = await esme.submit("919876543901")
        unknown = await esme.query("0123456789abcdef0123")
        other_sender = await esme.query(message_id, source_addr="OTHER")
        await esme.read(DELIVER_SM)
        undeliverable = query_answer(await esme.query(message_id))
    finally:
        await esme.close()
    assert (unknown.command_id, unknown.status, unknown.body) == (QUERY_SM_RESP, ESME_RINVMSGID, b"")
    assert (other_sender.command_id, other_sender.status) == (QUERY_SM_RESP, ESME_RINVMSGID)
    assert (undeliverable[2], undeliverable[3]) == (UNDELIVERABLE, 1)


async def test_validity_period_of_a_submit_is_listed(sandbox: FastAPI) -> None:
    esme = await RawEsme.bind(sandbox)
    try:
        await esme.submit("919876543210", validity_period="000002000000000R")
    finally:
        await esme.close()
    [listed] = sandbox.state.smsc.received.find("919876543210")
    assert listed.validity_seconds == 48 * 3600


async def test_receipts_unacknowledged_when_a_session_ends_are_sent_again_on_the_next_bind(sandbox: FastAPI) -> None:
    esme = await RawEsme.bind(sandbox)
    ids = [await esme.submit(f"91987654322{n}") for n in range(3)]
    first = [await esme.read(DELIVER_SM) for _ in ids]
    esme.send(DELIVER_SM_RESP, b"\0", sequence=first[0].sequence)  # only the first is acknowledged
    await asyncio.sleep(0.1)
    await esme.close()  # the session ends with two receipts unacknowledged
    esme = await RawEsme.bind(sandbox)
    try:
        again = [await esme.read(DELIVER_SM) for _ in ids[1:]]
        for pdu in again:
            esme.send(DELIVER_SM_RESP, b"\0", sequence=pdu.sequence)
        with pytest.raises(TimeoutError):  # the acknowledged one does not come again
            async with asyncio.timeout(RECEIPT_DELAY_SECONDS * 10):
                await esme.read(DELIVER_SM)
    finally:
        await esme.close()
    assert sorted(receipted_id(p) for p in again) == sorted(f"id:{i}" for i in ids[1:])
    assert receipted_id(first[0]) == f"id:{ids[0]}"
