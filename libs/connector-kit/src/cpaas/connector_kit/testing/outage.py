"""PostgreSQL going away the moment a provider accepted a send: the test world of the
guarantee that the result's write waits for the database (`until_written`) instead of
letting the batch come again and the message go out twice.

    relayed, relay = await relayed_postgres(pg_settings)      # the connector's DSN
    cut = CutAfterAccepted(relay, seconds=2.0, send_path=r"/messages$")
    async with start_world(pg=relayed, provider_url=cut.provider_url) as world, cut.serving():
        ...  # submit, then `await cut.outage.wait_over()`
    assert_results_written_through_the_outage(caplog)
"""

import logging
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from starlette.requests import Request

from cpaas.connector_kit.testing.http import AnswerTap
from cpaas.connector_kit.testing.relay import Outage, Relay
from cpaas.platform.serve import bind_socket, serving

RETRIED = "write failed; retrying"  # what cpaas.platform.db.until_written logs per failed try


class CutAfterAccepted:
    """A tap in front of the provider's HTTP API: the first POST to `send_path` that the
    provider answers 2xx cuts `relay` for `seconds`, before the connector reads the answer."""

    def __init__(self, relay: Relay, *, seconds: float, send_path: str) -> None:
        self.outage = Outage(relay, seconds)
        self.send_path = send_path
        self._sock = bind_socket()
        self._tap: AnswerTap | None = None

    def provider_url(self, upstream: str) -> str:
        """The URL the connector is to call instead of `upstream` (the sandbox)."""
        self._tap = AnswerTap(upstream, self.send_path, self._on_answer)
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def serving(self) -> AbstractAsyncContextManager[int]:
        assert self._tap is not None, "provider_url() names the upstream first"
        return serving(self._tap.app, self._sock)

    async def _on_answer(self, request: Request, answer: httpx.Response) -> None:
        if request.method == "POST" and answer.is_success:
            self.outage.begin()


def assert_results_written_through_the_outage(caplog: pytest.LogCaptureFixture) -> None:
    """The send results met the outage and were written once it was over (caplog must
    capture WARNING of cpaas.platform.db)."""
    retried = [r for r in caplog.records if r.getMessage() == RETRIED]
    assert retried, "the outage did not meet the write of the send results"
    assert {r.what for r in retried} == {"send results"}  # type: ignore[attr-defined]


def capture_write_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="cpaas.platform.db")
