"""PostgreSQL going away right after the provider accepted a send (a restart: every
connection dropped, new ones refused for a while) does not make the message go out twice:
the result's write waits for the database (`until_written`) instead of letting the batch
come again. The connector reaches PostgreSQL through a relay the test cuts the moment the
sandbox has answered the send, before the connector reads that answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cpaas.connector_kit.testing.outage import (
    CutAfterAccepted,
    assert_results_written_through_the_outage,
    capture_write_retries,
)
from cpaas.connector_kit.testing.relay import relayed_postgres
from cpaas.contracts import MessageStatus
from cpaas.platform.settings import PostgresSettings

if TYPE_CHECKING:  # the fixture's type, from this folder's conftest
    from conftest import StartWorld

OUTAGE_SECONDS = 2.0
SANDBOX = {"status_delay_seconds": 5.0}  # the statuses come once the send is recorded


async def test_postgres_refusing_connections_right_after_an_accepted_send_does_not_send_it_twice(
    start_world: StartWorld, pg_settings: PostgresSettings, caplog: pytest.LogCaptureFixture
) -> None:
    capture_write_retries(caplog)
    relayed, relay = await relayed_postgres(pg_settings)
    cut = CutAfterAccepted(relay, seconds=OUTAGE_SECONDS, send_path=r"/messages$")
    try:
        async with start_world(pg=relayed, sandbox=SANDBOX, provider_url=cut.provider_url) as world, cut.serving():
            event = world.submit_event("+919876543280")
            await world.submit(event)
            await cut.outage.wait_over()
            await world.wait_for(event.message_id, MessageStatus.DELIVERED)
            await world.settle(2.0)
            assert world.of(event.message_id) == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED]
            assert len(await world.received_by_sandbox(event.recipient)) == 1
    finally:
        await relay.stop()
    assert relay.cuts == 1
    assert_results_written_through_the_outage(caplog)
