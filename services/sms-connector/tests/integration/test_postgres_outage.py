"""PostgreSQL going away right after the SMSC accepted a submit_sm (a restart: every
connection dropped, new ones refused for a while) does not make the message go out
twice: the result's write waits for the database (`until_written`) instead of letting
the batch come again. The connector reaches PostgreSQL through a relay the test cuts the
moment the SMSC's submit_sm_resp passes a second relay (the SMPP bind's), before the
connector reads it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from cpaas.connector_kit.testing.outage import assert_results_written_through_the_outage, capture_write_retries
from cpaas.connector_kit.testing.relay import Outage, Relay, relayed_postgres
from cpaas.contracts import MessageStatus
from cpaas.platform.settings import PostgresSettings
from cpaas.sms_connector.providers.smpp import pdu

if TYPE_CHECKING:  # the fixtures' types, from this folder's conftest
    from conftest import Console, Kafka

OUTAGE_SECONDS = 2.0
RECEIPT_DELAY_SECONDS = 0.2  # the receipt comes during the outage: held unacknowledged, applied after
SUBMIT_SM_RESP = 0x80000004


class AcceptedSubmit:
    """Reads the SMSC's side of an SMPP session as it passes; calls `on_accepted` at the
    first submit_sm_resp with command_status 0 (the connector has not read it yet)."""

    def __init__(self, on_accepted: Callable[[], None]) -> None:
        self.on_accepted = on_accepted
        self._buffer = bytearray()

    def __call__(self, chunk: bytes) -> None:
        self._buffer += chunk
        while len(self._buffer) >= pdu.HEADER_BYTES:
            length, command_id, status, _ = pdu.HEADER.unpack_from(self._buffer)
            if len(self._buffer) < length:
                return
            del self._buffer[:length]
            if command_id == SUBMIT_SM_RESP and status == pdu.ESME_ROK:
                self.on_accepted()


async def test_postgres_refusing_connections_right_after_an_accepted_submit_does_not_send_it_twice(
    connector: Callable[..., AbstractAsyncContextManager[FastAPI]],
    sandbox_with_delay: Callable[..., AbstractAsyncContextManager[FastAPI]],
    console: Console,
    kafka: Kafka,
    smsc: Callable,
    pg_settings: PostgresSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    capture_write_retries(caplog)
    relayed, pg_relay = await relayed_postgres(pg_settings)
    outage = Outage(pg_relay, OUTAGE_SECONDS)
    try:
        async with sandbox_with_delay(RECEIPT_DELAY_SECONDS) as sandbox:
            smpp_relay = Relay("127.0.0.1", sandbox.state.smsc.port, on_reply=AcceptedSubmit(outage.begin))
            await smpp_relay.start()
            try:
                async with connector(sandbox, postgres=relayed, smpp_port=smpp_relay.port):
                    event = console.submit_event("+919876543283")
                    await kafka.submit(event)
                    await outage.wait_over()
                    await kafka.wait_for(event.message_id, MessageStatus.DELIVERED)
                    await kafka.settle(2.0)
                    assert kafka.of(event.message_id) == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED]
                    assert len(await smsc(sandbox, event.recipient)) == 1
            finally:
                await smpp_relay.stop()
    finally:
        await pg_relay.stop()
    assert pg_relay.cuts == 1
    assert_results_written_through_the_outage(caplog)
