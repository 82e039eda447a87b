"""PostgreSQL going away right after the provider created a call (a restart: every
connection dropped, new ones refused for a while) does not make the connector call the
recipient again: the create's answer is written once the database is back
(`until_written`) instead of letting the batch come again. The connector reaches
PostgreSQL through a relay the test cuts the moment the voice API has answered the
create-call request, before the connector reads that answer."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
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

if TYPE_CHECKING:  # the fixtures' types, from this folder's conftest
    from conftest import Console, Kafka, StartConnector, VoiceSandbox

OUTAGE_SECONDS = 2.0
# the call ends (its fourth callback, 'completed') well after the create is recorded; a
# callback that meets the outage is tried again
SANDBOX = {"call_progress_delay_seconds": 2.0, "callback_retry_on": ["ct", "5xx"], "callback_retry_count": 3}


async def test_postgres_refusing_connections_right_after_a_created_call_does_not_call_twice(
    start_connector: StartConnector,
    sandbox_on_port: Callable[..., AbstractAsyncContextManager[VoiceSandbox]],
    console: Console,
    kafka: Kafka,
    pg_settings: PostgresSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    capture_write_retries(caplog)
    relayed, relay = await relayed_postgres(pg_settings)
    cut = CutAfterAccepted(relay, seconds=OUTAGE_SECONDS, send_path=r"/Calls\.json$")
    try:
        async with (
            sandbox_on_port(0, **SANDBOX) as sandbox,
            start_connector(cut.provider_url(sandbox.url), pg=relayed),
            cut.serving(),
        ):
            event = console.submit_event("+919876543282")
            await kafka.submit(event)
            await cut.outage.wait_over()
            await kafka.wait_for(event.message_id, MessageStatus.DELIVERED)
            await kafka.settle(2.0)
            assert kafka.of(event.message_id) == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED]
            assert len(await sandbox.calls(event.recipient)) == 1
    finally:
        await relay.stop()
    assert relay.cuts == 1
    assert_results_written_through_the_outage(caplog)
