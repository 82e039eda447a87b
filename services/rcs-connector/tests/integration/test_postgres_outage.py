"""PostgreSQL going away right after the provider accepted a send (a restart: every
connection dropped, new ones refused for a while) does not make the connector send it
again: the result's write waits for the database (`until_written`) instead of letting the
batch come again (RBM would refuse the repeat under the same message id, but it would be
a second request). The connector reaches PostgreSQL through a relay the test cuts the
moment the sandbox has answered the send, before the connector reads that answer."""

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
RBM = {"event_delay_seconds": 5.0}  # the DELIVERED comes once the send is recorded


async def test_postgres_refusing_connections_right_after_an_accepted_send_does_not_send_it_twice(
    start_world: StartWorld, pg_settings: PostgresSettings, caplog: pytest.LogCaptureFixture
) -> None:
    capture_write_retries(caplog)
    relayed, relay = await relayed_postgres(pg_settings)
    cut = CutAfterAccepted(relay, seconds=OUTAGE_SECONDS, send_path=r"/agentMessages$")
    try:
        async with start_world(pg=relayed, rbm=RBM, provider_url=cut.provider_url) as world, cut.serving():
            event = world.submit_event("+919876543281")
            await world.kafka.submit(event)
            await cut.outage.wait_over()
            await world.kafka.wait_for(event.message_id, MessageStatus.DELIVERED)
            await world.kafka.settle(2.0)
            assert world.kafka.of(event.message_id) == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED]
            assert len(await world.received(event.recipient)) == 1  # refused repeats are listed too
    finally:
        await relay.stop()
    assert relay.cuts == 1
    assert_results_written_through_the_outage(caplog)
