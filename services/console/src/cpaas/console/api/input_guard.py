"""Text the database cannot store is refused at the edge, before any route sees it.

PostgreSQL text cannot hold NUL (U+0000), and UTF-8 cannot encode a lone surrogate
(`"\\ud800"` is valid JSON); either, passed on to asyncpg, fails the statement and would
be a 500. This ASGI middleware answers 422 VALIDATION_ERROR naming the field instead:
a query parameter by its name, a JSON body member by its path (`content.body`,
`entries.1`), the URL path as `path`. JSON bodies are read here (those FastAPI would
parse as JSON: no content type, or a json one), at most MAX_JSON_BODY_BYTES, and handed
on unchanged; every other body (media uploads) streams through untouched.
"""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError, error_response

MAX_JSON_BODY_BYTES = 1024 * 1024  # the largest JSON the console takes (a carousel template) is a few KiB
NUL = "\x00"


def unstorable(text: str) -> str | None:
    """Why PostgreSQL could not store `text`, or None."""
    if NUL in text:
        return "must not contain NUL characters"
    try:
        text.encode()
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def _members(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string of a JSON document (keys included) with where it is."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key
            yield from _members(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _members(item, (*path, str(index)))


def _field_name(parts: tuple[str, ...]) -> str:
    return ".".join(parts).replace(NUL, "\\u0000") or "body"


def json_problem(body: bytes) -> ApiError | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None  # FastAPI answers malformed JSON itself (400 INVALID_JSON)
    for path, text in _members(document):
        reason = unstorable(text)
        if reason:
            field = _field_name(path)
            return ApiError(ErrorCode.VALIDATION_ERROR, f"{field} {reason}", field=field)
    return None


def url_problem(scope: Scope) -> ApiError | None:
    if NUL in scope.get("path", ""):
        return ApiError(ErrorCode.VALIDATION_ERROR, "the URL path must not contain NUL characters", field="path")
    for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        reason = unstorable(name) or unstorable(value)
        if reason:
            field = _field_name((name,))
            return ApiError(ErrorCode.VALIDATION_ERROR, f"{field} {reason}", field=field)
    return None


def _is_json(scope: Scope) -> bool:
    """As FastAPI decides whether to parse a body as JSON."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media_type = value.decode("latin-1").split(";", 1)[0].strip().lower()
            subtype = media_type.partition("/")[2]
            return subtype == "json" or subtype.endswith("+json")
    return True


class TextGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = url_problem(scope)
        if problem is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE") and _is_json(scope):
            body, messages = await _read_body(receive)
            if body is None:
                problem = ApiError(
                    ErrorCode.PAYLOAD_TOO_LARGE, f"a JSON body is at most {MAX_JSON_BODY_BYTES // 1024} KiB"
                )
            else:
                problem = json_problem(body)
                receive = _replay(messages, receive)
        if problem is not None:
            await error_response(problem)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole body and the messages it came in; None for the body past the cap."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > MAX_JSON_BODY_BYTES:
            return None, messages
        if not message.get("more_body", False):
            break
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request"), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
