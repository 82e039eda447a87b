"""The SMSC as one provider: `binds` transceiver links, submits and queries spread over
the bound ones, every delivery receipt parsed onto one queue with its acknowledgement.

A message goes as one submit_sm per segment (`segments.py`), each segment's source
address typed by its sender ID, the DLT ids in TLVs 0x1400 (PE ID) and 0x1401
(template ID); a sender ID is held to `sender_rate_per_second` over all binds.

A receipt is put on `receipts` with the `DeliverAck` of its deliver_sm, unanswered: the
receipt processor calls it once the receipt is durable. A deliver_sm that is no receipt
(a mobile-originated message) or that names no message or state is answered at once,
since nothing of it is kept."""

import asyncio
import contextlib
import itertools
import logging
import time
from datetime import UTC, datetime

import smpp34

from cpaas.connector_kit.errors import SendError
from cpaas.connector_kit.statuses import StatusMeaning
from cpaas.sms_connector.metrics import RECEIPT_OUTCOMES
from cpaas.sms_connector.providers.base import InboundReceipt, Receipt, SmsMessage, Submitted
from cpaas.sms_connector.providers.smpp.link import SmscLink
from cpaas.sms_connector.providers.smpp.metrics import QUERIES, RECEIPTS, SUBMITS
from cpaas.sms_connector.providers.smpp.model import Segment, SubmitResult, source_address
from cpaas.sms_connector.providers.smpp.pdu import QueryAnswer
from cpaas.sms_connector.providers.smpp.rate import SenderRateLimits
from cpaas.sms_connector.providers.smpp.receipts import NotAReceipt, parse_receipt, receipt_from_query
from cpaas.sms_connector.providers.smpp.segments import encode_parts
from cpaas.sms_connector.providers.smpp.session import DeliverAck
from cpaas.sms_connector.providers.smpp.statuses import (
    MESSAGE_STATE_STAT,
    RETRYABLE_SUBMIT_STATUSES,
    SUBMIT_REFUSED,
    receipt_meaning,
    submit_error_code,
)
from cpaas.sms_connector.settings import SmsConnectorSettings

log = logging.getLogger(__name__)
RECEIPT_ESM_TYPE = 0x04  # esm_class bits 2-5: SMSC delivery receipt
# DLT (India) optional parameters: Principal Entity ID and registered template ID
TLV_DLT_PE_ID, TLV_DLT_TEMPLATE_ID = 0x1400, 0x1401


class SmppProvider:
    name = "smpp"

    def __init__(self, settings: SmsConnectorSettings) -> None:
        self.settings = settings
        self.receipts: asyncio.Queue[InboundReceipt] = asyncio.Queue()
        self.links = [SmscLink(settings, str(i), self._on_deliver) for i in range(settings.binds)]
        self.sender_limits = SenderRateLimits(settings.sender_rate_per_second)
        self._round_robin = itertools.count()

    def start(self) -> None:
        for link in self.links:
            link.start()

    async def stop(self) -> None:
        """Unbind every link; receipts read before the sessions ended stay on `receipts`."""
        await asyncio.gather(*(link.stop() for link in self.links))

    async def is_bound(self) -> bool:
        return any(link.bound.is_set() for link in self.links)

    is_ready = is_bound

    def receipt_meaning(self, stat: str) -> StatusMeaning:
        return receipt_meaning(stat)

    async def send(self, message: SmsMessage) -> Submitted:
        """Every segment's submit_sm at once. A segment that may go later (no bind, a lost
        session, no answer, throttling) fails the whole message, to be sent again."""
        segments = segments_of(message)
        for _ in segments:  # each segment is one submit_sm the carrier counts
            await self.sender_limits.take(message.sender_id)
        results = await asyncio.gather(*(self.submit(s) for s in segments), return_exceptions=True)
        for failure in results:
            if isinstance(failure, BaseException) and not isinstance(failure, SendError):
                raise failure
        retry = next((r for r in results if isinstance(r, SendError) and r.retryable), None)
        if retry is not None:
            raise retry
        at = max((r.at for r in results if isinstance(r, SubmitResult)), default=datetime.now(UTC))
        part_ids = tuple(r.carrier_message_id if isinstance(r, SubmitResult) and r.accepted else None for r in results)
        refused = next((r for r in results if not (isinstance(r, SubmitResult) and r.accepted)), None)
        return Submitted(part_ids, at, None if refused is None else _refusal(refused))

    async def submit(self, segment: Segment) -> SubmitResult:
        """Submit one segment over a bound link. A refusal is a result (`accepted` False);
        SendError(retryable=True) means try again later."""
        link = await self._bound_link()
        result = await link.submit(segment)
        if result.accepted:
            SUBMITS.labels("accepted").inc()
            return result
        if result.command_status in RETRYABLE_SUBMIT_STATUSES:
            SUBMITS.labels("throttled").inc()
            raise SendError(f"SMSC asked to retry later: {submit_error_code(result.command_status)}", retryable=True)
        SUBMITS.labels("refused").inc()
        return result

    async def ask(self, carrier_message_id: str, sender_id: str) -> Receipt | None:
        """query_sm: the receipt its answer stands for; None when it gives no final
        outcome or was not answered."""
        ton, npi = source_address(sender_id)
        try:
            answer = await self.query(carrier_message_id, sender_id, ton, npi)
        except SendError as exc:
            QUERIES.labels("failed").inc()
            log.info("query_sm not answered", extra={"carrier_message_id": carrier_message_id, "error": str(exc)})
            return None
        QUERIES.labels(MESSAGE_STATE_STAT.get(answer.message_state, "OTHER")).inc()
        return receipt_from_query(
            carrier_message_id, answer.message_state, answer.error_code, answer.final_date, datetime.now(UTC)
        )

    async def query(self, carrier_message_id: str, source: str, source_ton: int, source_npi: int) -> QueryAnswer:
        """query_sm over a bound link; SendError when it could not be answered."""
        link = await self._bound_link()
        return await link.query(carrier_message_id, source, source_ton, source_npi)

    async def _bound_link(self) -> SmscLink:
        deadline = time.monotonic() + self.settings.submit_timeout_seconds
        while True:
            bound = [link for link in self.links if link.bound.is_set()]
            if bound:
                return bound[next(self._round_robin) % len(bound)]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                SUBMITS.labels("no_bind").inc()
                raise SendError("no SMPP bind is up", retryable=True)
            waiters = [asyncio.ensure_future(link.bound.wait()) for link in self.links]
            try:
                await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiter

    def _on_deliver(self, deliver: smpp34.DeliverSm, ack: DeliverAck) -> None:
        if deliver.esm_class & 0x3C != RECEIPT_ESM_TYPE:
            RECEIPT_OUTCOMES.labels("mobile_originated_ignored").inc()
            ack()
            return
        tlvs = {tlv.tag: tlv.value for tlv in deliver.tlvs}
        receipted_id = tlvs.get(smpp34.TLV_RECEIPTED_MESSAGE_ID, b"").rstrip(b"\0").decode("ascii", "replace")
        state = tlvs.get(smpp34.TLV_MESSAGE_STATE)
        try:
            receipt = parse_receipt(
                deliver.short_message.decode("latin-1"),
                receipted_id or None,
                int.from_bytes(state, "big") if state else None,
                datetime.now(UTC),
            )
        except NotAReceipt as exc:
            RECEIPT_OUTCOMES.labels("unparseable").inc()
            log.warning("a delivery receipt without id or state", extra={"error": str(exc)})
            ack()
            return
        RECEIPTS.labels(receipt.stat).inc()
        self.receipts.put_nowait(InboundReceipt(receipt, ack))


def segments_of(message: SmsMessage) -> list[Segment]:
    """The submit_sm of each part of a message."""
    encoded = encode_parts(message.text, message.reference)
    tlvs: list[tuple[int, bytes]] = []
    if message.dlt_entity_id is not None:
        tlvs.append((TLV_DLT_PE_ID, message.dlt_entity_id.encode("ascii")))
    if message.dlt_template_id:
        tlvs.append((TLV_DLT_TEMPLATE_ID, message.dlt_template_id.encode("ascii")))
    source_ton, source_npi = source_address(message.sender_id)
    return [
        Segment(
            destination=message.recipient.lstrip("+"),
            source=message.sender_id,
            payload=payload,
            data_coding=encoded.data_coding,
            esm_class=encoded.esm_class,
            tlvs=tuple(tlvs),
            source_ton=source_ton,
            source_npi=source_npi,
        )
        for payload in encoded.payloads
    ]


def _refusal(refused: SubmitResult | BaseException) -> SendError:
    """Why a message was refused: its first segment not accepted."""
    assert SUBMIT_REFUSED.error_code is not None
    if isinstance(refused, SubmitResult):
        code = submit_error_code(refused.command_status)
        return SendError(
            f"submit_sm refused with command_status {code}",
            retryable=False,
            error_code=SUBMIT_REFUSED.error_code,
            carrier_error_code=code,
        )
    return SendError(str(refused), retryable=False, error_code=SUBMIT_REFUSED.error_code)
