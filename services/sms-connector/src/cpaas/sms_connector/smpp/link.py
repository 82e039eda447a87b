"""One SMPP transceiver bind: bind, read what the SMSC sends, bind again when lost.

enquire_link and the deliver_sm_resp of every receipt are the smpp34 core's. smpp34
neither enforces its window nor reconnects, so both are here: a semaphore of
`window_size` per bind, and an exponential backoff capped at `reconnect_max_seconds`.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import smpp34

from cpaas.sms_connector.metrics import BINDS_UP, RECONNECTS, SUBMIT_SECONDS, WINDOW_IN_USE
from cpaas.sms_connector.settings import SmsConnectorSettings
from cpaas.sms_connector.smpp.errors import SendError
from cpaas.sms_connector.smpp.model import Segment, SubmitResult
from cpaas.sms_connector.smpp.nodelay import set_nodelay_towards
from cpaas.sms_connector.smpp.rate import TokenBucket

log = logging.getLogger(__name__)
FIRST_RECONNECT_DELAY_SECONDS = 0.25
UNBIND_TIMEOUT_SECONDS = 2.0


class SmscLink:
    def __init__(
        self, settings: SmsConnectorSettings, name: str, on_deliver: Callable[[smpp34.DeliverSmEvent], None]
    ) -> None:
        self.settings = settings
        self.name = name
        self.bound = asyncio.Event()
        self.in_flight = 0
        self._on_deliver = on_deliver
        self._window = asyncio.Semaphore(settings.window_size)
        self._bucket = TokenBucket(settings.submit_rate_per_second)
        self._session: smpp34.Smsc | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"smpp-bind-{self.name}")

    async def stop(self) -> None:
        """Unbind, then let the reader hand on every receipt it got until the session ends."""
        self._stopping.set()
        session = self._session
        if session is not None:
            with contextlib.suppress(smpp34.SmppError, TimeoutError):
                await asyncio.wait_for(session.unbind(), UNBIND_TIMEOUT_SECONDS)
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
        session = self._session
        if session is None:
            raise SendError(f"bind {self.name} is down", retryable=True)
        started = time.perf_counter()
        try:
            resp = await asyncio.wait_for(
                session.submit_sm(
                    segment.destination,
                    segment.payload,
                    source_addr=segment.source,
                    source_addr_ton=segment.source_ton,
                    source_addr_npi=segment.source_npi,
                    dest_addr_ton=1,  # international
                    dest_addr_npi=1,  # ISDN (E.164)
                    esm_class=segment.esm_class,
                    data_coding=segment.data_coding,
                    registered_delivery=1,
                    tlvs=[smpp34.Tlv(tag, value) for tag, value in segment.tlvs],
                ),
                self.settings.submit_timeout_seconds,
            )
        except smpp34.SmppError as exc:
            raise SendError(f"submit_sm on bind {self.name} failed: {exc}", retryable=True) from exc
        except TimeoutError as exc:
            raise SendError(f"no submit_sm_resp on bind {self.name} in time", retryable=True) from exc
        SUBMIT_SECONDS.observe(time.perf_counter() - started)
        return SubmitResult(resp.message_id if resp.is_success else None, resp.command_status, datetime.now(UTC))

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            client = await self._bind()
            if client is None:
                failures += 1
                RECONNECTS.labels(self.name).inc()
                await self._pause(failures)
                continue
            failures = 0
            await self._serve(client)
            if not self._stopping.is_set():
                RECONNECTS.labels(self.name).inc()
                log.warning("SMPP session lost; binding again", extra={"bind": self.name})
                await self._pause(1)

    async def _bind(self) -> smpp34.Client | None:
        s = self.settings
        client = smpp34.Client(
            s.smpp_host,
            s.smpp_port,
            s.system_id,
            s.password,
            bind_type="TRX",
            system_type=s.system_type,
            window_size=s.window_size,
            inbound_capacity=s.inbound_capacity,
            connect_timeout_ms=int(s.connect_timeout_seconds * 1000),
        )
        try:
            self._session = await client.connect()
        except (smpp34.SmppError, OSError) as exc:
            log.warning("SMPP bind failed", extra={"bind": self.name, "error": str(exc)})
            with contextlib.suppress(smpp34.SmppError):
                await client.stop()
            return None
        set_nodelay_towards(s.smpp_host, s.smpp_port)
        log.info("SMPP bound", extra={"bind": self.name, "host": s.smpp_host, "port": s.smpp_port})
        return client

    async def _serve(self, client: smpp34.Client) -> None:
        """Read events until the session ends; submits run meanwhile on the same session."""
        session = self._session
        assert session is not None
        self.bound.set()
        BINDS_UP.inc()
        try:
            if self._stopping.is_set():  # stop() came while binding
                with contextlib.suppress(smpp34.SmppError):
                    await session.unbind()
            while True:
                event = await session.next()
                if not isinstance(event, smpp34.DeliverSmEvent):
                    return  # Disconnected
                self._on_deliver(event)
        except smpp34.SmppError as exc:
            log.warning("SMPP session failed", extra={"bind": self.name, "error": str(exc)})
        finally:
            self.bound.clear()
            self._session = None
            BINDS_UP.dec()
            with contextlib.suppress(smpp34.SmppError):
                await client.stop()

    async def _pause(self, failures: int) -> None:
        delay = min(self.settings.reconnect_max_seconds, FIRST_RECONNECT_DELAY_SECONDS * 2 ** (failures - 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)
