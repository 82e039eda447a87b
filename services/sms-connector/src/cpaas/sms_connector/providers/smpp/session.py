"""One bound SMPP 3.4 transceiver session of our ESME, over asyncio streams.

What it does that the smpp34 client could not: a deliver_sm is answered only when the
caller says so (`DeliverAck`), so a receipt is acknowledged once it is durable; query_sm;
TCP_NODELAY set on its own socket; a refused bind reported with its command_status.

Guarantees:
- requests (submit_sm, query_sm, enquire_link, unbind) are matched to their responses by
  sequence number; a request whose session ends first raises `SessionLost`, one that is
  not answered within its timeout raises TimeoutError;
- a deliver_sm is handed on once, with its `DeliverAck`; until that is called nothing is
  sent for it. If the session ends first, the ack does nothing: the SMSC still holds the
  receipt and sends it again (on another bind or the next one);
- while `inbound_capacity` deliver_sm of this session await their ack, the session stops
  reading (TCP pushes back on the SMSC) until one is acknowledged;
- enquire_link is sent after `enquire_link_seconds` without traffic; no answer within
  the response timeout ends the session.
"""

import asyncio
import contextlib
import itertools
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

import smpp34

from cpaas.sms_connector.providers.smpp import pdu
from cpaas.sms_connector.providers.smpp.model import Segment

log = logging.getLogger(__name__)
READ_BYTES = 64 * 1024


class SessionLost(Exception):
    """The session ended before the request was answered."""


class BindRefused(Exception):
    """The SMSC answered the bind with an error command_status."""

    def __init__(self, command_status: int) -> None:
        super().__init__(f"bind refused with command_status 0x{command_status:08x}")
        self.command_status = command_status


@dataclass(frozen=True)
class Response:
    command_id: int
    command_status: int
    body: bytes


class DeliverAck:
    """Sends the deliver_sm_resp of one deliver_sm, once; nothing if its session ended."""

    __slots__ = ("_done", "_sequence", "_session")

    def __init__(self, session: "SmppSession", sequence: int) -> None:
        self._session, self._sequence, self._done = session, sequence, False

    def __call__(self, command_status: int = pdu.ESME_ROK) -> None:
        if not self._done:
            self._done = True
            self._session._answer_deliver(self._sequence, command_status)


OnDeliver = Callable[[smpp34.DeliverSm, DeliverAck], None]


async def _read_pdu(reader: asyncio.StreamReader) -> tuple[int, int, int, bytes]:
    head = await reader.readexactly(pdu.HEADER_BYTES)
    length, command_id, status, sequence = pdu.HEADER.unpack(head)
    if not pdu.HEADER_BYTES <= length <= pdu.MAX_PDU_BYTES:
        raise pdu.FramingError(f"command_length {length}")
    return command_id, status, sequence, await reader.readexactly(length - pdu.HEADER_BYTES)


class SmppSession:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        response_timeout_seconds: float,
        enquire_link_seconds: float,
        inbound_capacity: int,
    ) -> None:
        self._reader, self._writer = reader, writer
        self.response_timeout = response_timeout_seconds
        self.enquire_link_seconds = enquire_link_seconds
        self.inbound_capacity = inbound_capacity
        self.unacked = 0  # deliver_sm handed on, not yet acknowledged
        self.closed = False
        self._pending: dict[int, asyncio.Future[Response]] = {}
        self._sequence = itertools.count(1)
        self._room = asyncio.Event()
        self._room.set()
        self._loop = asyncio.get_running_loop()
        self._last_read = self._loop.time()

    @classmethod
    async def bind_transceiver(
        cls,
        host: str,
        port: int,
        *,
        system_id: str,
        password: str,
        system_type: str,
        timeout_seconds: float,
        response_timeout_seconds: float,
        enquire_link_seconds: float,
        inbound_capacity: int,
    ) -> "SmppSession":
        """Connect and bind. Raises OSError, TimeoutError or BindRefused."""
        async with asyncio.timeout(timeout_seconds):
            reader, writer = await asyncio.open_connection(host, port)
        try:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small PDUs both ways: no Nagle
            session = cls(
                reader,
                writer,
                response_timeout_seconds=response_timeout_seconds,
                enquire_link_seconds=enquire_link_seconds,
                inbound_capacity=inbound_capacity,
            )
            sequence = session._next_sequence()
            writer.write(pdu.bind_transceiver(sequence, system_id, password, system_type))
            async with asyncio.timeout(timeout_seconds):
                command_id, status, answered, _ = await _read_pdu(reader)
            if command_id not in (pdu.BIND_TRANSCEIVER_RESP, pdu.GENERIC_NACK) or answered != sequence:
                raise OSError(f"unexpected PDU 0x{command_id:08x} in answer to bind_transceiver")
            if status != pdu.ESME_ROK:
                raise BindRefused(status)
        except BaseException:
            writer.close()
            raise
        return session

    def _next_sequence(self) -> int:
        return (next(self._sequence) - 1) % pdu.MAX_SEQUENCE + 1

    async def submit(self, segment: Segment, validity_period: str) -> tuple[int, str | None]:
        """(command_status, message id); the id is None when refused."""
        sequence = self._next_sequence()
        resp = await self._request(sequence, pdu.submit_sm(sequence, segment, validity_period))
        if resp.command_status != pdu.ESME_ROK or resp.command_id != pdu.SUBMIT_SM_RESP:
            return resp.command_status or pdu.ESME_RINVCMDID, None
        return resp.command_status, pdu.message_id_of(resp.body)

    async def query(
        self, message_id: str, source_addr: str, source_ton: int, source_npi: int
    ) -> tuple[int, pdu.QueryAnswer | None]:
        """(command_status, the answer); the answer is None when the query was refused.
        Raises ValueError for a query_sm_resp that cannot be read."""
        sequence = self._next_sequence()
        data = pdu.query_sm(sequence, message_id, source_addr, source_ton, source_npi)
        resp = await self._request(sequence, data)
        if resp.command_status != pdu.ESME_ROK or resp.command_id != pdu.QUERY_SM_RESP:
            return resp.command_status or pdu.ESME_RINVCMDID, None
        return resp.command_status, pdu.parse_query_sm_resp(resp.body)

    async def unbind(self, wait_seconds: float) -> None:
        """Ask the SMSC to end the session (waiting at most that long for its unbind_resp),
        then close it; `serve` returns."""
        sequence = self._next_sequence()
        with contextlib.suppress(SessionLost, TimeoutError, ConnectionError):
            await self._request(sequence, pdu.unbind(sequence), wait_seconds)
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._writer.close()
            self._room.set()
            self._fail_pending()

    async def serve(self, on_deliver: OnDeliver) -> None:
        """Read PDUs until the connection ends (EOF, unbind, broken framing, lost keepalive)."""
        keepalive = asyncio.create_task(self._keepalive(), name="smpp-enquire-link")
        buffer = bytearray()
        try:
            while not self.closed:
                if self.unacked >= self.inbound_capacity:
                    self._room.clear()
                    await self._room.wait()
                    continue
                chunk = await self._reader.read(READ_BYTES)
                if not chunk:
                    return
                self._last_read = self._loop.time()
                buffer += chunk
                consumed = self._dispatch_all(buffer, on_deliver)
                del buffer[:consumed]
        except (ConnectionError, pdu.FramingError) as exc:
            log.warning("SMPP connection ended", extra={"error": str(exc)})
        finally:
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive
            self.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()

    def _dispatch_all(self, buffer: bytearray, on_deliver: OnDeliver) -> int:
        offset, size = 0, len(buffer)
        while size - offset >= pdu.HEADER_BYTES and not self.closed:
            length, command_id, status, sequence = pdu.HEADER.unpack_from(buffer, offset)
            if not pdu.HEADER_BYTES <= length <= pdu.MAX_PDU_BYTES:
                raise pdu.FramingError(f"command_length {length}")
            if size - offset < length:
                break
            self._dispatch(command_id, status, sequence, bytes(buffer[offset : offset + length]), on_deliver)
            offset += length
        return offset

    def _dispatch(self, command_id: int, status: int, sequence: int, raw: bytes, on_deliver: OnDeliver) -> None:
        if command_id & pdu.RESPONSE_BIT:
            future = self._pending.pop(sequence, None)
            if future is not None and not future.done():
                future.set_result(Response(command_id, status, raw[pdu.HEADER_BYTES :]))
        elif command_id == pdu.DELIVER_SM:
            self._on_deliver_sm(sequence, raw, on_deliver)
        elif command_id == pdu.ENQUIRE_LINK:
            self._write(pdu.header_only(pdu.ENQUIRE_LINK_RESP, pdu.ESME_ROK, sequence))
        elif command_id == pdu.UNBIND:
            self._write(pdu.header_only(pdu.UNBIND_RESP, pdu.ESME_ROK, sequence))
            self.close()
        elif command_id != pdu.ALERT_NOTIFICATION:
            self._write(pdu.header_only(pdu.GENERIC_NACK, pdu.ESME_RINVCMDID, sequence))

    def _on_deliver_sm(self, sequence: int, raw: bytes, on_deliver: OnDeliver) -> None:
        try:
            deliver = smpp34.decode(raw)
        except smpp34.SmppError as exc:
            deliver = exc
        if not isinstance(deliver, smpp34.DeliverSm):
            log.warning("undecodable deliver_sm refused for good", extra={"error": str(deliver)})
            self._write(pdu.deliver_sm_resp(sequence, pdu.ESME_RX_P_APPN))
            return
        self.unacked += 1
        on_deliver(deliver, DeliverAck(self, sequence))

    def _answer_deliver(self, sequence: int, command_status: int) -> None:
        self.unacked -= 1
        if self.unacked < self.inbound_capacity:
            self._room.set()
        self._write(pdu.deliver_sm_resp(sequence, command_status))

    def _write(self, data: bytes) -> None:
        if not self.closed:
            self._writer.write(data)

    async def _request(self, sequence: int, data: bytes, wait_seconds: float | None = None) -> Response:
        """Send a request and wait for its response (`response_timeout` unless told)."""
        if self.closed:
            raise SessionLost("the session is closed")
        future: asyncio.Future[Response] = self._loop.create_future()
        self._pending[sequence] = future
        try:
            self._writer.write(data)
            await self._writer.drain()
            async with asyncio.timeout(self.response_timeout if wait_seconds is None else wait_seconds):
                return await future
        except ConnectionError as exc:
            raise SessionLost(str(exc)) from exc
        finally:
            self._pending.pop(sequence, None)

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(SessionLost("the session ended"))

    async def _keepalive(self) -> None:
        while not self.closed:
            idle = self._loop.time() - self._last_read
            if idle < self.enquire_link_seconds:
                await asyncio.sleep(self.enquire_link_seconds - idle)
                continue
            sequence = self._next_sequence()
            try:
                await self._request(sequence, pdu.enquire_link(sequence))
            except (SessionLost, TimeoutError):
                if not self.closed:
                    log.warning("no enquire_link_resp in time; closing the SMPP session")
                    self.close()
                return
            self._last_read = self._loop.time()
