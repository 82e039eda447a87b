"""The SMPP 3.4 provider (smpp34 client): binds, window, rate limit, reconnects,
receipts. No smpp34 exception leaves this package: sends fail with `SendError`."""

from cpaas.sms_connector.smpp.carrier import SmppCarrier
from cpaas.sms_connector.smpp.errors import SendError
from cpaas.sms_connector.smpp.model import Segment, SubmitResult

__all__ = ["Segment", "SendError", "SmppCarrier", "SubmitResult"]
