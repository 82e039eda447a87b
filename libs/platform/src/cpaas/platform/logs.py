"""Structured JSON logs on stdout, with the message and account id of the work at hand.

`bind_log_context(message_id=..., account_id=...)` sets context variables that every log
record made in the same task carries, so a handler need not pass them to each call.
"""

import contextvars
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from pythonjsonlogger.json import JsonFormatter

_EMPTY: dict[str, object] = {}
_CONTEXT: contextvars.ContextVar[dict[str, object]] = contextvars.ContextVar("log_context", default=_EMPTY)
REDACTED = "[redacted]"
_SECRET_KEYS = ("password", "api_key", "apikey", "secret", "token", "authorization")


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        for key, value in _CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        for key in list(vars(record)):
            if any(secret in key.lower() for secret in _SECRET_KEYS):
                setattr(record, key, REDACTED)
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log record, ours and our libraries', to stdout as one JSON object a line."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("faststream", "faststream.access", "uvicorn", "uvicorn.error"):
        library_logger = logging.getLogger(name)  # some libraries install their own plain-text handlers
        library_logger.handlers.clear()
        library_logger.propagate = True
    for noisy in ("aiokafka", "kafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


@contextmanager
def bind_log_context(**fields: object) -> Iterator[None]:
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def set_log_context(**fields: object) -> None:
    """Add fields for the rest of the current task (an HTTP request's task, say)."""
    _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
