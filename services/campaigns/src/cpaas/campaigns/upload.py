"""The multipart upload of POST /api/v1/campaigns, read as it streams in: the file part
goes to PostgreSQL in chunks (`file_chunks`) while it arrives, so the process holds at
most one chunk of it; the other parts are small form fields.

Why chunks in a table rather than large objects: plain SQL in the service's own schema
(asyncpg has no large-object API), deleted with a statement like any row, no orphaned
`pg_largeobject` entries outside the schema, and read back one chunk per query.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from cpaas.campaigns.store import CampaignStore
from cpaas.contracts import ErrorCode
from cpaas.platform.api_errors import ApiError

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 20
FILE_FIELD = "file"


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    file_bytes: int = 0
    chunks: int = 0


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)
    disposition: bytes = b""


class _Parser:
    """Collects the parser's callbacks; the async side drains `pending` after each write."""

    def __init__(self, upload: Upload, max_file_bytes: int) -> None:
        self.upload, self.max_file_bytes = upload, max_file_bytes
        self.part = _Part()
        self.header_name, self.header_value = b"", b""
        self.pending = bytearray()  # file bytes not yet stored
        self.files = 0

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": lambda d, s, e: self._extend("header_name", d[s:e]),
            "on_header_value": lambda d, s, e: self._extend("header_value", d[s:e]),
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def _extend(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data)

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.part.disposition = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.disposition)
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        self.part.is_file = self.part.name == FILE_FIELD or b"filename" in options
        if self.part.is_file:
            self.files += 1
            if self.files > 1:
                raise ApiError(ErrorCode.VALIDATION_ERROR, "send one file", field=FILE_FIELD)
            self.upload.file_name = options.get(b"filename", b"").decode("utf-8", "replace")[:255] or None
        elif len(self.upload.fields) >= MAX_FIELDS:
            raise ApiError(ErrorCode.VALIDATION_ERROR, f"at most {MAX_FIELDS} form fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.is_file:
            self.upload.file_bytes += end - start
            if self.upload.file_bytes > self.max_file_bytes:
                raise ApiError(
                    ErrorCode.PAYLOAD_TOO_LARGE,
                    f"the file is over {self.max_file_bytes // (1024 * 1024)} MB",
                    field=FILE_FIELD,
                )
            self.pending += data[start:end]
        else:
            if len(self.part.data) + end - start > MAX_FIELD_BYTES:
                raise ApiError(ErrorCode.VALIDATION_ERROR, f"{self.part.name} is too long", field=self.part.name)
            self.part.data += data[start:end]

    def on_part_end(self) -> None:
        if not self.part.is_file:
            self.upload.fields[self.part.name] = self.part.data.decode("utf-8", "replace")


def boundary_of(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "send the campaign as multipart/form-data", field=None)
    return options[b"boundary"]


async def receive_upload(
    stream: AsyncIterator[bytes],
    content_type: str | None,
    store: CampaignStore,
    upload_id,
    *,
    chunk_bytes: int,
    max_file_bytes: int,
) -> Upload:
    """Parse the request, storing the file as it comes; the caller deletes the chunks
    (`store.delete_upload`) if this raises or the campaign is refused."""
    upload = Upload()
    collector = _Parser(upload, max_file_bytes)
    parser = MultipartParser(boundary_of(content_type), collector.callbacks())
    try:
        async for data in stream:
            parser.write(data)
            while len(collector.pending) >= chunk_bytes:
                await _store(store, upload_id, upload, collector, chunk_bytes)
        parser.finalize()
    except FormParserError as exc:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "the multipart body is malformed") from exc
    if collector.pending:
        await _store(store, upload_id, upload, collector, len(collector.pending))
    if collector.files == 0:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "file is required (the CSV of recipients)", field=FILE_FIELD)
    return upload


async def _store(store: CampaignStore, upload_id, upload: Upload, collector: _Parser, size: int) -> None:
    piece = bytes(collector.pending[:size])
    del collector.pending[:size]
    await store.add_chunk(upload_id, upload.chunks, piece)
    upload.chunks += 1
