"""Uploads for template media (WhatsApp media headers, RCS card images and videos), and
their public URL that providers fetch.

`POST /api/media?filename=…` takes the file as the raw request body with its own
Content-Type (no multipart): the type is checked from the bytes, the size per kind. The
answer's `url` goes into the template's content (`mediaUrl`). `GET /media/{id}.{ext}`
serves it to anyone holding the URL, as a provider's media links do; the id is a random
128-bit token."""

import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cpaas.console.api.deps import ApiModel, Settings, Store, User, not_found
from cpaas.console.domain.media import check_upload
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

SNIFF_BYTES = 16
MEDIA_ID_BYTES = 16  # the id in a media URL: 128 random bits
UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/jpeg", "image/png", "video/mp4")
        }
        | {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class MediaOut(ApiModel):
    id: str
    url: str
    filename: str
    content_type: str
    kind: str
    size_bytes: int
    created_at: datetime


async def _read_capped(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(
                ErrorCode.PAYLOAD_TOO_LARGE, f"uploads are at most {limit // (1024 * 1024)} MB", field="file"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def build_router() -> APIRouter:
    router = APIRouter(tags=["media"])

    @router.post("/api/media", response_model=MediaOut, status_code=201, openapi_extra=UPLOAD_OPENAPI)
    async def upload_media(
        request: Request,
        store: Store,
        settings: Settings,
        user: User,
        filename: Annotated[str, Query(min_length=1, max_length=200)],
    ) -> MediaOut:
        data = await _read_capped(request, max(settings.max_upload_mb.values()) * 1024 * 1024)
        limits = settings.max_upload_mb
        kind = check_upload(request.headers.get("content-type"), data[:SNIFF_BYTES], len(data), limits)
        media_id = secrets.token_urlsafe(MEDIA_ID_BYTES)
        created_at = await store.media.add(media_id, user.account_id, filename, kind.content_type, data)
        return MediaOut(
            id=media_id,
            url=f"{settings.public_url.rstrip('/')}/media/{media_id}.{kind.extension}",
            filename=filename,
            content_type=kind.content_type,
            kind=kind.kind,
            size_bytes=len(data),
            created_at=created_at,
        )

    @router.get("/media/{name}", include_in_schema=False)
    async def serve_media(name: str, store: Store) -> Response:
        row = await store.media.get(name.split(".", 1)[0])
        if row is None:
            raise not_found("media")
        disposition = "inline" if row["content_type"].startswith(("image/", "video/")) else "attachment"
        return Response(
            bytes(row["data"]),
            media_type=row["content_type"],
            headers={
                "Cache-Control": "public, max-age=31536000, immutable",
                "ETag": f'"{row["sha256"].hex()}"',
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": disposition,
            },
        )

    return router
