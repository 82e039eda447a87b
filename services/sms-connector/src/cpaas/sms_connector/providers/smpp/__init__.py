"""The SMPP 3.4 provider: the connector's own asyncio SMPP session (`session.py`, `pdu.py`),
binds with their window, rate limit and reconnects (`link.py`), submit_sm building
(`segments.py`), delivery receipts and query_sm answers (`receipts.py`) and SMPP's
status mapping table (`statuses.py`). No SMPP term and no smpp34 exception leaves this
package: sends fail with the kit's `SendError`."""

from cpaas.sms_connector.providers.smpp.provider import SmppProvider

__all__ = ["SmppProvider"]
