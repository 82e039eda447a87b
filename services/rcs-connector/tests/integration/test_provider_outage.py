"""A provider that cannot be reached: the attempt stays unsent while the batch comes
again, and ends FAILED (CARRIER_UNAVAILABLE) after `max_send_tries`."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from cpaas.contracts import ErrorCode, MessageStatus, MessageSubmittedV1
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.rcs_connector.app import build_app
from cpaas.rcs_connector.settings import RcsConnectorSettings

if TYPE_CHECKING:  # the fixture's type, from this folder's conftest
    from conftest import Kafka


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_unreachable_provider_fails_the_attempt_after_its_tries(
    creds: dict,
    kafka: Kafka,
    kafka_settings: KafkaSettings,
    pg_settings: PostgresSettings,
    make_submit: Callable[..., MessageSubmittedV1],
) -> None:
    settings = RcsConnectorSettings(
        kafka=kafka_settings,
        postgres=pg_settings,
        base_url=f"http://127.0.0.1:{closed_port()}",
        max_send_tries=2,
        http_timeout_seconds=1,
        shutdown_grace_seconds=5,
    )
    app = build_app(settings)
    event = make_submit(creds, "+919876543219")
    async with app.router.lifespan_context(app):
        await kafka.submit(event)
        failed = await kafka.wait_for(event.message_id, MessageStatus.FAILED)
    assert kafka.of(event.message_id) == [MessageStatus.FAILED]
    assert failed.error_code is ErrorCode.CARRIER_UNAVAILABLE
    assert "2 transient failures" in (failed.error_detail or "")
