"""The SMSC as one carrier: `binds` transceiver links, submits and queries spread over
the bound ones, every delivery receipt parsed onto one queue with its acknowledgement.

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

from cpaas.sms_connector.domain.receipts import NotAReceipt, parse_receipt
from cpaas.sms_connector.domain.statuses import RETRYABLE_SUBMIT_STATUSES, submit_error_code
from cpaas.sms_connector.metrics import RECEIPT_OUTCOMES, RECEIPTS, SUBMITS
from cpaas.sms_connector.settings import SmsConnectorSettings
from cpaas.sms_connector.smpp.errors import SendError
from cpaas.sms_connector.smpp.link import SmscLink
from cpaas.sms_connector.smpp.model import InboundReceipt, Segment, SubmitResult
from cpaas.sms_connector.smpp.pdu import QueryAnswer
from cpaas.sms_connector.smpp.session import DeliverAck

__all__ = ["Segment", "SmppCarrier", "SubmitResult"]

log = logging.getLogger(__name__)
RECEIPT_ESM_TYPE = 0x04  # esm_class bits 2-5: SMSC delivery receipt


class SmppCarrier:
    def __init__(self, settings: SmsConnectorSettings) -> None:
        self.settings = settings
        self.receipts: asyncio.Queue[InboundReceipt] = asyncio.Queue()
        self.links = [SmscLink(settings, str(i), self._on_deliver) for i in range(settings.binds)]
        self._round_robin = itertools.count()

    def start(self) -> None:
        for link in self.links:
            link.start()

    async def stop(self) -> None:
        """Unbind every link; receipts read before the sessions ended stay on `receipts`."""
        await asyncio.gather(*(link.stop() for link in self.links))

    async def is_bound(self) -> bool:
        return any(link.bound.is_set() for link in self.links)

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
