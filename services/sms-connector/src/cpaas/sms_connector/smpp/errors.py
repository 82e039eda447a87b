"""The only error a send raises."""


class SendError(Exception):
    """A segment could not be submitted. `retryable`: the same submit may succeed later
    (no bind, a lost connection, a timeout, throttling); otherwise it never will."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable
