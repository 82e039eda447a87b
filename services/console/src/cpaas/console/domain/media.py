"""What an upload may be: its type is read from its first bytes (a file's name or the
browser's Content-Type can say anything), and must agree with what was declared."""

from dataclasses import dataclass

from cpaas.console.domain.errors import InvalidField

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4", "application/pdf": "pdf"}
KINDS = {"image/jpeg": "image", "image/png": "image", "video/mp4": "video", "application/pdf": "document"}


@dataclass(frozen=True)
class MediaType:
    content_type: str
    kind: str  # image, video, document
    extension: str


def sniff(head: bytes) -> str | None:
    """The content type the bytes are, among those accepted, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[4:8] == b"ftyp":  # ISO base media (MP4)
        return "video/mp4"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_upload(declared: str | None, head: bytes, size: int, max_mb: dict[str, int]) -> MediaType:
    """The upload's type, or InvalidField saying why it is refused."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared not in EXTENSIONS:
        raise InvalidField("file", "upload a JPG or PNG image, an MP4 video or a PDF document")
    actual = sniff(head)
    if actual is None or actual != declared:
        raise InvalidField("file", f"the file's content is not {declared}")
    if size == 0:
        raise InvalidField("file", "the file is empty")
    kind = KINDS[actual]
    limit = max_mb.get(kind, 0) * 1024 * 1024
    if size > limit:
        article = "an" if kind[0] in "aeiou" else "a"
        raise InvalidField("file", f"{article} {kind} may be at most {max_mb.get(kind, 0)} MB")
    return MediaType(actual, kind, EXTENSIONS[actual])
