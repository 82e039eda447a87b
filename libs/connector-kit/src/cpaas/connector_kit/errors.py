"""The only errors that leave a provider (courier's `SendError{retryable}`): no provider
exception, wire format or HTTP client error passes a provider's interface."""

from cpaas.connector_kit.statuses import StatusMeaning
from cpaas.contracts import ErrorCode, MessageStatus


class SendError(Exception):
    """A provider call that did not succeed. `retryable`: the same call later may succeed
    (a timeout, a 5xx, throttling, no connection), so the message waits and is sent again;
    otherwise the provider refused for good, and `error_code` and `carrier_error_code`
    (the provider's own code) say why."""

    def __init__(
        self,
        detail: str,
        *,
        retryable: bool,
        error_code: ErrorCode = ErrorCode.CARRIER_REJECTED,
        carrier_error_code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail, self.retryable = detail, retryable
        self.error_code, self.carrier_error_code = error_code, carrier_error_code

    @property
    def meaning(self) -> StatusMeaning:
        """What a refusal means for the attempt: FAILED, with our error code."""
        return StatusMeaning(MessageStatus.FAILED, self.error_code)


class WebhookRejected(Exception):
    """A webhook that is not the provider's: its signature or token is missing or wrong."""


class WebhookMalformed(Exception):
    """A webhook signed by the provider, but not in a shape the provider sends."""
