"""The sandbox SMSC: accepts binds, answers submit_sm by the recipient's magic number,
sends delivery receipts over a bound receiver or transceiver of the same system_id, and
answers query_sm from what it knows of the messages it accepted.

Guarantees (what a real SMSC does, and what the connector's tests rely on):
- a receipt is sent after its submit_sm_resp (both are written in that order);
- a receipt counts as delivered only when the ESME answers its deliver_sm with
  deliver_sm_resp status 0; until then it is kept, and if the session ends first it
  goes to another bound receiver of that system_id or waits (in memory) for the next
  bind; a deliver_sm_resp with an error status makes it come again after a second;
- query_sm (SMPP 3.4, 4.8) for a message this system_id submitted, with its source_addr,
  is answered with its state (`messages.py`): ENROUTE until its outcome falls due, then
  DELIVERED or UNDELIVERABLE; a recipient ending 902 stays ENROUTE, one ending 908 gets
  no receipt but is DELIVERED when asked. Another message id, system_id or source_addr:
  ESME_RINVMSGID;
- nothing survives a restart of the sandbox.
"""

import asyncio
import hmac
import itertools
import logging
import secrets
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta

from aiosmpplib import SmppCommand, SmppCommandStatus

from cpaas.sandbox.metrics import (
    SMPP_QUERIES,
    SMPP_RECEIPTS,
    SMPP_RECEIPTS_DROPPED,
    SMPP_RECEIPTS_QUEUED,
    SMPP_SESSIONS,
    SMPP_SUBMITS,
)
from cpaas.sandbox.outcomes import Outcome, outcome_for
from cpaas.sandbox.settings import SandboxSettings
from cpaas.sandbox.smsc import wire
from cpaas.sandbox.smsc.messages import KnownMessage, KnownMessages
from cpaas.sandbox.smsc.receipts import DELIVERED, RECEIPT_FOR_OUTCOME, RECEIPT_LOST, Receipt, receipt_lost
from cpaas.sandbox.smsc.received import ReceivedLog, ReceivedSubmit

log = logging.getLogger(__name__)

RECEIPT_RETRY_SECONDS = 1.0  # after a deliver_sm_resp with an error status
MESSAGE_ID_BYTES = 10  # 20 hex characters; random so ids never repeat across sandbox restarts
MAX_SEQUENCE = 0x7FFFFFFF
_DECODE_ERRORS = (ValueError, UnicodeError, IndexError, LookupError, TypeError)


class EsmeSession:
    """One TCP connection from an ESME."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.bind: wire.BindRequest | None = None
        self.unacked: dict[int, Receipt] = {}  # deliver_sm sequence -> receipt awaiting its resp
        self._sequence = itertools.count(1)

    @property
    def system_id(self) -> str | None:
        return self.bind.system_id if self.bind else None

    @property
    def can_receive(self) -> bool:
        return bool(self.bind and self.bind.can_receive) and not self.writer.is_closing()

    def next_sequence(self) -> int:
        return (next(self._sequence) - 1) % MAX_SEQUENCE + 1

    def send(self, data: bytes) -> None:
        """Queue bytes on the transport (synchronous, so the order of calls is the wire order)."""
        if not self.writer.is_closing():
            self.writer.write(data)


class Smsc:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.received = ReceivedLog(settings.received_log_size)
        self.messages = KnownMessages(settings.known_messages_max)
        self._server: asyncio.Server | None = None
        self._sessions: set[EsmeSession] = set()
        self._queued: dict[str, deque[Receipt]] = defaultdict(deque)
        self._timers: set[asyncio.TimerHandle] = set()
        self._round_robin = itertools.count()

    @property
    def port(self) -> int:
        """The port actually listened on (differs from the setting when that is 0)."""
        assert self._server is not None, "start() first"
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.settings.smpp_host, self.settings.smpp_port)
        log.info("SMSC listening", extra={"host": self.settings.smpp_host, "port": self.port})

    async def stop(self) -> None:
        """Stop listening, unbind every session, forget pending receipts."""
        if self._server is None:
            return
        self._server.close()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for session in list(self._sessions):
            session.send(wire.header_only(SmppCommand.UNBIND, 0, session.next_sequence()))
            session.writer.close()
        self._server = None

    def queued_receipts(self, system_id: str) -> int:
        return len(self._queued.get(system_id, ()))

    def unacked_receipts(self, system_id: str) -> int:
        """Receipts sent to this system_id's sessions and not yet answered."""
        return sum(len(s.unacked) for s in self._sessions if s.system_id == system_id)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = EsmeSession(writer)
        self._sessions.add(session)
        try:
            while not writer.is_closing():
                self._handle(session, await wire.read_pdu(reader))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except wire.FramingError as exc:
            log.warning("closing a connection that broke SMPP framing", extra={"error": str(exc)})
        finally:
            self._session_closed(session)
            writer.close()

    def _handle(self, session: EsmeSession, pdu: wire.Pdu) -> None:
        command = pdu.command_id
        if command in wire.BIND_COMMANDS:
            self._on_bind(session, pdu)
        elif command == SmppCommand.SUBMIT_SM:
            self._on_submit(session, pdu)
        elif command == SmppCommand.QUERY_SM:
            self._on_query(session, pdu)
        elif command in (SmppCommand.DELIVER_SM_RESP, SmppCommand.GENERIC_NACK):
            self._on_receipt_answer(session, pdu)
        elif command == SmppCommand.ENQUIRE_LINK:
            session.send(wire.header_only(SmppCommand.ENQUIRE_LINK_RESP, 0, pdu.sequence))
        elif command == SmppCommand.UNBIND:
            session.send(wire.header_only(SmppCommand.UNBIND_RESP, 0, pdu.sequence))
            session.writer.close()
        elif command & wire.RESPONSE_BIT:
            pass  # enquire_link_resp, unbind_resp: nothing to do
        else:
            session.send(wire.header_only(SmppCommand.GENERIC_NACK, SmppCommandStatus.ESME_RINVCMDID, pdu.sequence))

    def _on_bind(self, session: EsmeSession, pdu: wire.Pdu) -> None:
        try:
            request = wire.parse_bind(pdu)
        except _DECODE_ERRORS:
            session.send(wire.bind_resp(pdu.command_id, pdu.sequence, SmppCommandStatus.ESME_RBINDFAIL))
            session.writer.close()
            return
        if session.bind is not None:
            session.send(wire.bind_resp(pdu.command_id, pdu.sequence, SmppCommandStatus.ESME_RALYBND))
            return
        status = self._check_credentials(request)
        session.send(wire.bind_resp(pdu.command_id, pdu.sequence, status))
        if status:
            log.info("bind refused", extra={"system_id": request.system_id, "status": hex(status)})
            session.writer.close()
            return
        session.bind = request
        SMPP_SESSIONS.inc()
        log.info("ESME bound", extra={"system_id": request.system_id, "receiver": request.can_receive})
        if request.can_receive:
            self._flush_queued(session)

    def _check_credentials(self, request: wire.BindRequest) -> int:
        if request.system_id != self.settings.smpp_system_id:
            return SmppCommandStatus.ESME_RINVSYSID
        if not hmac.compare_digest(request.password.encode(), self.settings.smpp_password.encode()):
            return SmppCommandStatus.ESME_RINVPASWD
        return SmppCommandStatus.ESME_ROK

    def _on_submit(self, session: EsmeSession, pdu: wire.Pdu) -> None:
        if session.bind is None or not session.bind.can_transmit:
            session.send(wire.submit_sm_error(pdu.sequence, SmppCommandStatus.ESME_RINVBNDSTS))
            return
        try:
            submit = wire.decode_submit(pdu)
        except _DECODE_ERRORS as exc:
            log.warning("undecodable submit_sm", extra={"error": repr(exc)})
            session.send(wire.submit_sm_error(pdu.sequence, wire.ESME_RSYSERR))
            return
        outcome = outcome_for(submit.destination_addr)
        shown = RECEIPT_LOST if receipt_lost(submit.destination_addr) else outcome.value
        now = datetime.now(UTC)
        message_id: str | None = None
        if outcome is Outcome.REFUSED:
            status = SmppCommandStatus.ESME_RSUBMITFAIL
            session.send(wire.submit_sm_error(pdu.sequence, status))
        else:
            status = SmppCommandStatus.ESME_ROK
            message_id = secrets.token_hex(MESSAGE_ID_BYTES)
            session.send(wire.submit_sm_resp(pdu.sequence, message_id))
            self._remember(session, submit, outcome, message_id, now)
            if shown != RECEIPT_LOST:
                self._maybe_schedule_receipt(session, submit, outcome, message_id, now)
        SMPP_SUBMITS.labels(shown).inc()
        self.received.add(
            ReceivedSubmit(
                recipient=submit.destination_addr,
                source_addr=submit.source_addr,
                text=submit.text,
                data_coding=submit.data_coding,
                esm_class=submit.esm_class,
                registered_delivery=submit.registered_delivery,
                segment_ref=submit.segment_ref,
                segment_total=submit.segment_total,
                segment_seq=submit.segment_seq,
                tlvs=submit.tlvs,
                carrier_message_id=message_id,
                command_status=int(status),
                outcome=shown,
                validity_seconds=submit.validity_seconds,
                received_at=now,
            )
        )

    def _remember(
        self, session: EsmeSession, submit: wire.DecodedSubmit, outcome: Outcome, message_id: str, now: datetime
    ) -> None:
        assert session.system_id is not None
        due_at = now + timedelta(seconds=self.settings.receipt_delay_seconds)
        known = KnownMessage(session.system_id, submit.source_addr, RECEIPT_FOR_OUTCOME[outcome], due_at)
        self.messages.add(message_id, known)

    def _on_query(self, session: EsmeSession, pdu: wire.Pdu) -> None:
        if session.bind is None or not session.bind.can_transmit:
            session.send(wire.header_only(SmppCommand.QUERY_SM_RESP, SmppCommandStatus.ESME_RINVBNDSTS, pdu.sequence))
            return
        try:
            query = wire.parse_query_sm(pdu)
        except _DECODE_ERRORS:
            session.send(wire.header_only(SmppCommand.QUERY_SM_RESP, wire.ESME_RSYSERR, pdu.sequence))
            return
        known = self.messages.get(query.message_id)
        if known is None or (known.system_id, known.source_addr) != (session.system_id, query.source_addr):
            SMPP_QUERIES.labels("unknown").inc()
            session.send(wire.header_only(SmppCommand.QUERY_SM_RESP, SmppCommandStatus.ESME_RINVMSGID, pdu.sequence))
            return
        state, final_at, error = known.state_at(datetime.now(UTC))
        SMPP_QUERIES.labels(str(state)).inc()
        final_date = wire.absolute_time(final_at) if final_at else ""
        session.send(wire.query_sm_resp(pdu.sequence, query.message_id, final_date, state, error))

    def _maybe_schedule_receipt(
        self, session: EsmeSession, submit: wire.DecodedSubmit, outcome: Outcome, message_id: str, now: datetime
    ) -> None:
        kind = RECEIPT_FOR_OUTCOME[outcome]
        wanted = submit.registered_delivery & 0x03  # 1: always, 2: on failure only (SMPP 3.4, 5.2.17)
        if kind is None or wanted == 0 or (wanted == 2 and kind is DELIVERED):
            return
        assert session.system_id is not None
        receipt = Receipt(
            system_id=session.system_id,
            message_id=message_id,
            recipient=submit.destination_addr,
            sender=submit.source_addr,
            kind=kind,
            submitted_at=now,
            text=submit.text,
        )
        self._later(self.settings.receipt_delay_seconds, receipt)

    def _later(self, delay: float, receipt: Receipt) -> None:
        def fire() -> None:
            self._timers.discard(handle)
            self._receipt_due(receipt)

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)

    def _receipt_due(self, receipt: Receipt) -> None:
        if receipt.done_at is None:
            receipt.done_at = datetime.now(UTC)
        session = self._receiver_for(receipt.system_id)
        if session is None:
            self._queue(receipt)
        else:
            self._send_receipt(session, receipt)

    def _receiver_for(self, system_id: str) -> EsmeSession | None:
        receivers = [s for s in self._sessions if s.can_receive and s.system_id == system_id]
        return receivers[next(self._round_robin) % len(receivers)] if receivers else None

    def _send_receipt(self, session: EsmeSession, receipt: Receipt) -> None:
        sequence = session.next_sequence()
        session.unacked[sequence] = receipt
        assert receipt.done_at is not None
        session.send(
            wire.receipt_deliver_sm(
                sequence,
                recipient=receipt.recipient,
                sender=receipt.sender,
                text=receipt.short_message(receipt.done_at),
                message_id=receipt.message_id,
                message_state=receipt.kind.message_state,
            )
        )
        SMPP_RECEIPTS.labels(receipt.kind.stat).inc()

    def _on_receipt_answer(self, session: EsmeSession, pdu: wire.Pdu) -> None:
        receipt = session.unacked.pop(pdu.sequence, None)
        if receipt is not None and (pdu.command_status or pdu.command_id == SmppCommand.GENERIC_NACK):
            self._later(RECEIPT_RETRY_SECONDS, receipt)

    def _queue(self, receipt: Receipt) -> None:
        queue = self._queued[receipt.system_id]
        if len(queue) >= self.settings.queued_receipts_max:
            queue.popleft()
            SMPP_RECEIPTS_DROPPED.inc()
            SMPP_RECEIPTS_QUEUED.dec()
        queue.append(receipt)
        SMPP_RECEIPTS_QUEUED.inc()

    def _flush_queued(self, session: EsmeSession) -> None:
        assert session.system_id is not None
        queue = self._queued.pop(session.system_id, deque())
        SMPP_RECEIPTS_QUEUED.dec(len(queue))
        for receipt in queue:
            self._send_receipt(session, receipt)
        if queue:
            log.info("queued receipts sent on bind", extra={"system_id": session.system_id, "count": len(queue)})

    def _session_closed(self, session: EsmeSession) -> None:
        if session not in self._sessions:
            return
        self._sessions.discard(session)
        if session.bind is not None:
            SMPP_SESSIONS.dec()
            log.info("ESME unbound", extra={"system_id": session.system_id})
        session.bind = None  # no longer a receiver for the receipts re-routed below
        if self._server is None:
            return  # stopping: pending receipts are forgotten
        for sequence in sorted(session.unacked):
            self._receipt_due(session.unacked[sequence])
        session.unacked.clear()
