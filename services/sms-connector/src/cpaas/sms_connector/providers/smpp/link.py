"""One SMPP transceiver bind: bind, read what the SMSC sends, bind again when lost.

The session (`session.py`) is ours, so the window and the reconnects are here: a
semaphore of `window_size` requests per bind (submit_sm and query_sm alike), a token
bucket of `submit_rate_per_second`, and an exponential backoff capped at
`reconnect_max_seconds`.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import smpp34

from cpaas.connector_kit.errors import SendError
from cpaas.sms_connector.providers.smpp import pdu
from cpaas.sms_connector.providers.smpp.metrics import BINDS_UP, RECONNECTS, SUBMIT_SECONDS, WINDOW_IN_USE
from cpaas.sms_connector.providers.smpp.model import Segment, SubmitResult
from cpaas.sms_connector.providers.smpp.rate import TokenBucket
from cpaas.sms_connector.providers.smpp.session import BindRefused, DeliverAck, SessionLost, SmppSession
from cpaas.sms_connector.settings import SmsConnectorSettings

log = logging.getLogger(__name__)
FIRST_RECONNECT_DELAY_SECONDS = 0.25
UNBIND_TIMEOUT_SECONDS = 2.0


class SmscLink:
    def __init__(
        self,
        settings: SmsConnectorSettings,
        name: str,
        on_deliver: Callable[[smpp34.DeliverSm, DeliverAck], None],
    ) -> None:
        self.settings = settings
        self.name = name
        self.bound = asyncio.Event()
        self.in_flight = 0
        self.answered = 0  # submit_sm answered on this bind since it was made
        self._on_deliver = on_deliver
        self._window = asyncio.Semaphore(settings.window_size)
        self._bucket = TokenBucket(settings.submit_rate_per_second)
        self._validity = pdu.relative_time(settings.validity_period_seconds)
        self._session: SmppSession | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"smpp-bind-{self.name}")

    async def stop(self) -> None:
        """Unbind, then let the reader hand on every receipt it got until the session ends."""
        self._stopping.set()
        session = self._session
        if session is not None:
            await session.unbind(UNBIND_TIMEOUT_SECONDS)
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), UNBIND_TIMEOUT_SECONDS)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

    async def submit(self, segment: Segment) -> SubmitResult:
        """Send one submit_sm and wait for its response. Raises SendError(retryable=True)
        when there is no session, it is lost, or no response comes in time."""
        async with self._window:
            self.in_flight += 1
            WINDOW_IN_USE.labels(self.name).inc()
            try:
                return await self._submit(segment)
            finally:
                self.in_flight -= 1
                WINDOW_IN_USE.labels(self.name).dec()

    async def _submit(self, segment: Segment) -> SubmitResult:
        await self._bucket.take()
        session = self._live_session()
        started = time.perf_counter()
        try:
            status, message_id = await session.submit(segment, self._validity)
        except SessionLost as exc:
            raise SendError(f"submit_sm on bind {self.name} failed: {exc}", retryable=True) from exc
        except TimeoutError as exc:
            raise SendError(f"no submit_sm_resp on bind {self.name} in time", retryable=True) from exc
        SUBMIT_SECONDS.observe(time.perf_counter() - started)
        self.answered += 1
        return SubmitResult(message_id, status, datetime.now(UTC))

    async def query(self, message_id: str, source: str, source_ton: int, source_npi: int) -> pdu.QueryAnswer:
        """query_sm for one message. Raises SendError when it cannot be answered: no
        session, lost, no answer in time, refused (unknown id), or an unreadable answer."""
        async with self._window:
            await self._bucket.take()  # a carrier's throughput limit counts every request
            session = self._live_session()
            try:
                status, answer = await session.query(message_id, source, source_ton, source_npi)
            except (SessionLost, TimeoutError, ValueError) as exc:
                raise SendError(f"query_sm on bind {self.name} failed: {exc!r}", retryable=True) from exc
        if answer is None:
            raise SendError(f"query_sm refused with command_status 0x{status:08x}", retryable=False)
        return answer

    def _live_session(self) -> SmppSession:
        session = self._session
        if session is None or session.closed:
            raise SendError(f"bind {self.name} is down", retryable=True)
        return session

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            session = await self._bind()
            if session is None:
                failures += 1
                RECONNECTS.labels(self.name).inc()
                await self._pause(failures)
                continue
            failures = 0
            await self._serve(session)
            if not self._stopping.is_set():
                RECONNECTS.labels(self.name).inc()
                log.warning("SMPP session lost; binding again", extra={"bind": self.name})
                await self._pause(1)

    async def _bind(self) -> SmppSession | None:
        s = self.settings
        try:
            session = await SmppSession.bind_transceiver(
                s.smpp_host,
                s.smpp_port,
                system_id=s.system_id,
                password=s.password,
                system_type=s.system_type,
                timeout_seconds=s.connect_timeout_seconds,
                response_timeout_seconds=s.submit_timeout_seconds,
                enquire_link_seconds=s.enquire_link_seconds,
                inbound_capacity=s.inbound_capacity,
            )
        except (OSError, TimeoutError, BindRefused, pdu.FramingError, asyncio.IncompleteReadError) as exc:
            log.warning("SMPP bind failed", extra={"bind": self.name, "error": str(exc) or repr(exc)})
            return None
        log.info("SMPP bound", extra={"bind": self.name, "host": s.smpp_host, "port": s.smpp_port})
        return session

    async def _serve(self, session: SmppSession) -> None:
        """Read until the session ends; submits run meanwhile on the same session."""
        self._session = session
        self.bound.set()
        BINDS_UP.inc()
        try:
            if self._stopping.is_set():  # stop() came while binding
                await session.unbind(UNBIND_TIMEOUT_SECONDS)
            await session.serve(self._on_deliver)
        finally:
            self.bound.clear()
            self._session = None
            BINDS_UP.dec()
            session.close()

    async def _pause(self, failures: int) -> None:
        delay = min(self.settings.reconnect_max_seconds, FIRST_RECONNECT_DELAY_SECONDS * 2 ** (failures - 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)
