"""A receipt is acknowledged only once durable: against the sandbox SMSC over TCP, the
real Kafka and PostgreSQL, and the connector as its own process where it is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
from fastapi import FastAPI

from cpaas.contracts import MessageStatus
from cpaas.local.processes import spawn, stop
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.sms_connector.providers.smpp.session import BindRefused, SmppSession

if TYPE_CHECKING:  # fixtures' types, from this folder's conftest
    from conftest import Console, Kafka

Connector = Callable[..., AbstractAsyncContextManager[FastAPI]]
Sandbox = Callable[..., AbstractAsyncContextManager[FastAPI]]
DELIVERED, SUBMITTED_OPERATOR = MessageStatus.DELIVERED, MessageStatus.SUBMITTED_OPERATOR
SYSTEM_ID, PASSWORD = "cpaas", "localdev"
WAIT_SECONDS = 15


async def eventually(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            result = check()
            if await result if isinstance(result, Awaitable) else result:
                return
            await asyncio.sleep(0.05)
    raise AssertionError(what)  # pragma: no cover - the timeout raises first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connector_process(kafka: KafkaSettings, pg: PostgresSettings, smpp_port: int, log_file: Path):
    """`python -m cpaas.sms_connector` bound to the sandbox, as the launcher starts it."""
    env = {
        **os.environ,
        "CPAAS_PG_DSN": pg.dsn,
        "CPAAS_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "CPAAS_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "CPAAS_SMS_CONNECTOR_SMPP_PORT": str(smpp_port),
        "CPAAS_SMS_CONNECTOR_HTTP_PORT": str(free_port()),
        "CPAAS_SMS_CONNECTOR_PASSWORD": PASSWORD,
    }
    return spawn([sys.executable, "-m", "cpaas.sms_connector"], env=env, log_file=log_file)


async def fetchval(pg: PostgresSettings, statement: str, *args: object) -> object:
    conn = await asyncpg.connect(pg.dsn)
    try:
        return await conn.fetchval(statement, *args)
    finally:
        await conn.close()


async def test_a_receipt_not_yet_durable_when_the_connector_is_killed_is_sent_again_and_applied(
    connector: Connector,
    console: Console,
    kafka: Kafka,
    sandbox_with_delay: Sandbox,
    kafka_settings: KafkaSettings,
    pg_settings: PostgresSettings,
    tmp_path: Path,
) -> None:
    event = console.submit_event("+919876543231")
    async with sandbox_with_delay(1.0) as sandbox:
        smsc = sandbox.state.smsc
        proc = connector_process(kafka_settings, pg_settings, smsc.port, tmp_path / "sms-connector.log")
        blocker = await asyncpg.connect(pg_settings.dsn)
        try:
            await kafka.submit(event)
            await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
            announced = "SELECT announced FROM sms.sends WHERE message_id = $1"
            await eventually(lambda: fetchval(pg_settings, announced, event.message_id), "announced")
            # the receipt's transaction cannot commit while its submission is locked
            lock = blocker.transaction()
            await lock.start()
            await blocker.execute("SELECT 1 FROM sms.sends WHERE message_id = $1 FOR UPDATE", event.message_id)
            await eventually(lambda: smsc.unacked_receipts(SYSTEM_ID) == 1, "the receipt was sent")
            await asyncio.sleep(1.0)
            assert smsc.unacked_receipts(SYSTEM_ID) == 1  # read, not stored: not acknowledged
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            await lock.rollback()
        finally:
            stop(proc)
            await blocker.close()
        await eventually(lambda: smsc.queued_receipts(SYSTEM_ID) == 1, "the SMSC kept the receipt")
        assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR]
        async with connector(sandbox):  # a new instance: the SMSC sends the receipt again on its bind
            delivered = await kafka.wait_for(event.message_id, DELIVERED)
            await eventually(lambda: smsc.unacked_receipts(SYSTEM_ID) == 0, "acknowledged once applied")
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    assert delivered.attempt == event.attempt


async def test_a_receipt_for_a_submission_not_yet_announced_is_parked_acknowledged_then_applied(
    connector: Connector,
    console: Console,
    kafka: Kafka,
    sandbox_with_delay: Sandbox,
    pg_settings: PostgresSettings,
) -> None:
    event = console.submit_event("+919876543232")
    parked = "SELECT count(*) FROM sms.parked_receipts"
    async with sandbox_with_delay(1.0) as sandbox, connector(sandbox, receipt_hold_seconds=0.2):
        smsc = sandbox.state.smsc
        await kafka.submit(event)
        await kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
        # as if its SUBMITTED_OPERATOR were not in Kafka yet: the receipt must wait for it
        await fetchval(pg_settings, "UPDATE sms.sends SET announced = false WHERE message_id = $1", event.message_id)
        await eventually(lambda: fetchval(pg_settings, parked), "parked")
        await eventually(lambda: smsc.unacked_receipts(SYSTEM_ID) == 0, "acknowledged once parked")
        assert smsc.queued_receipts(SYSTEM_ID) == 0
        await kafka.settle(0.3)
        assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR]
        await fetchval(pg_settings, "UPDATE sms.sends SET announced = true WHERE message_id = $1", event.message_id)
        await kafka.wait_for(event.message_id, DELIVERED)
        assert await fetchval(pg_settings, parked) == 0
    assert kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_the_session_sets_tcp_nodelay_and_reports_a_refused_bind(sandbox: FastAPI) -> None:
    common = {
        "system_type": "",
        "timeout_seconds": 2,
        "response_timeout_seconds": 2,
        "enquire_link_seconds": 30,
        "inbound_capacity": 10,
    }
    port = sandbox.state.smsc.port
    session = await SmppSession.bind_transceiver("127.0.0.1", port, system_id=SYSTEM_ID, password=PASSWORD, **common)
    try:
        sock = session._writer.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        await session.unbind(1)
    try:
        await SmppSession.bind_transceiver("127.0.0.1", port, system_id=SYSTEM_ID, password="wrong", **common)
    except BindRefused as refused:
        assert refused.command_status == 0x0E  # ESME_RINVPASWD
    else:
        raise AssertionError("a wrong password was accepted")
