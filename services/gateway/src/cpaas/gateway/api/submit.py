"""`POST /api/v1/messages/submit` served as raw ASGI, in front of FastAPI's middleware
stack (which cost about half of this route's CPU); the route in messages.py documents it
in OpenAPI and is its fallback. Both call the same SubmitHandler."""

from cpaas.gateway.api.client_address import client_ip
from cpaas.gateway.handlers import MAX_BODY_BYTES, SubmitHandler
from cpaas.platform.metrics import HTTP_REQUESTS

SUBMIT_PATH = "/api/v1/messages/submit"
JSON = b"application/json"


async def serve_submit(handler: SubmitHandler, scope, receive, send) -> None:
    """One submit: read the body (at most MAX_BODY_BYTES kept), answer what the handler says."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        more = message.get("more_body", False)
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    ip = client_ip(scope, handler.settings.forwarded_for_hops)
    raw = b"".join(chunks) if size <= MAX_BODY_BYTES else b"x" * (MAX_BODY_BYTES + 1)
    status, body, extra = await handler.handle(headers, ip, raw)
    payload = body.encode()
    response_headers = [(b"content-type", JSON), (b"content-length", str(len(payload)).encode())]
    response_headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": payload})
    HTTP_REQUESTS.labels("POST", SUBMIT_PATH, str(status)).inc()
