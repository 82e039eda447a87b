"""The sandbox SMSC: SMPP 3.4 over TCP, aiosmpplib's PDU codec, magic-number outcomes."""

from cpaas.sandbox.smsc.received import ReceivedSubmit
from cpaas.sandbox.smsc.server import Smsc

__all__ = ["ReceivedSubmit", "Smsc"]
