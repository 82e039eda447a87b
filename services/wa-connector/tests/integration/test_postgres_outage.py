"""PostgreSQL going away right after the provider accepted a send (a restart: every
connection dropped, new ones refused for a while) does not make the message go out twice:
the result's write waits for the database (`until_written`) instead of letting the batch
come again. The connector reaches PostgreSQL through a relay the test cuts the moment the
sandbox has answered the send, before the connector reads that answer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx
import pytest
from starlette.requests import Request

from cpaas.connector_kit.testing.http import AnswerTap
from cpaas.connector_kit.testing.relay import Outage, relayed_postgres
from cpaas.contracts import MessageStatus
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import PostgresSettings

if TYPE_CHECKING:  # the fixture's type, from this folder's conftest
    from conftest import StartWorld

OUTAGE_SECONDS = 2.0
# the message's statuses come once the database is back and the send recorded
SANDBOX = {"status_delay_seconds": 5.0}


async def test_postgres_refusing_connections_right_after_an_accepted_send_does_not_send_it_twice(
    start_world: StartWorld, pg_settings: PostgresSettings, caplog: pytest.LogCaptureFixture
) -> None:
    relayed, relay = await relayed_postgres(pg_settings)
    outage = Outage(relay, OUTAGE_SECONDS)
    tap_sock = bind_socket()
    taps: list[AnswerTap] = []

    async def on_answer(request: Request, answer: httpx.Response) -> None:
        if request.method == "POST" and answer.is_success:
            outage.begin()  # the provider took it; the connector has not read the answer yet

    def through_tap(sandbox_url: str) -> str:
        taps.append(AnswerTap(sandbox_url, r"/messages$", on_answer))
        return f"http://127.0.0.1:{tap_sock.getsockname()[1]}"

    caplog.set_level(logging.WARNING, logger="cpaas.platform.db")
    try:
        async with (
            start_world(pg=relayed, sandbox=SANDBOX, provider_url=through_tap) as world,
            serving(taps[0].app, tap_sock),
        ):
            event = world.submit_event("+919876543280")
            await world.submit(event)
            await outage.wait_over()
            await world.wait_for(event.message_id, MessageStatus.DELIVERED)
            await world.settle(2.0)
            assert world.of(event.message_id) == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED]
            assert len(await world.received_by_sandbox(event.recipient)) == 1
    finally:
        await relay.stop()
    assert relay.cuts == 1
    retried = [r for r in caplog.records if r.getMessage() == "write failed; retrying"]
    assert retried and all(r.what == "send results" for r in retried)  # type: ignore[attr-defined]
