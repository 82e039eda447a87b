"""Uploads are typed by their bytes (domain/media.py); the template preview counts SMS
segments and placeholders (domain/preview.py)."""

import pytest

from cpaas.console.domain.errors import InvalidField
from cpaas.console.domain.media import check_upload
from cpaas.console.domain.preview import preview

LIMITS = {"image": 1, "video": 2, "document": 2}
PNG, JPEG, PDF = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"%PDF-1.7"
MP4 = b"\x00\x00\x00\x18ftypmp42"


@pytest.mark.parametrize(
    ("declared", "head", "kind", "extension"),
    [
        ("image/png", PNG, "image", "png"),
        ("image/jpeg; charset=x", JPEG, "image", "jpg"),
        ("video/mp4", MP4, "video", "mp4"),
        ("Application/PDF", PDF, "document", "pdf"),
    ],
)
def test_an_upload_whose_bytes_are_what_it_declares_is_accepted(declared, head, kind, extension):
    media = check_upload(declared, head, 100, LIMITS)
    assert (media.kind, media.extension) == (kind, extension)


def test_an_upload_of_another_type_or_with_other_bytes_is_refused():
    with pytest.raises(InvalidField, match="upload a JPG or PNG image"):
        check_upload("image/gif", b"GIF89a", 10, LIMITS)
    with pytest.raises(InvalidField, match="content is not image/png"):
        check_upload("image/png", JPEG, 10, LIMITS)
    with pytest.raises(InvalidField, match="content is not image/png"):
        check_upload("image/png", b"", 10, LIMITS)


def test_an_upload_must_not_be_empty_nor_larger_than_its_kinds_limit():
    with pytest.raises(InvalidField, match="the file is empty"):
        check_upload("image/png", PNG, 0, LIMITS)
    assert check_upload("image/png", PNG, 1024 * 1024, LIMITS).kind == "image"
    with pytest.raises(InvalidField, match="an image may be at most 1 MB"):
        check_upload("image/png", PNG, 1024 * 1024 + 1, LIMITS)
    with pytest.raises(InvalidField, match="a video may be at most 2 MB"):
        check_upload("video/mp4", MP4, 2 * 1024 * 1024 + 1, LIMITS)


def test_an_sms_preview_says_its_encoding_and_segments():
    assert preview("SMS", "Hello {#var#}, code {#var#}").placeholders == 2
    gsm = preview("SMS", "x" * 161)
    assert (gsm.encoding, gsm.segments, gsm.characters) == ("GSM-7", 2, 161)
    ucs2 = preview("SMS", "नमस्ते")
    assert (ucs2.encoding, ucs2.segments) == ("UCS-2", 1)
    assert preview("SMS", "").segments == 0


def test_other_channels_preview_only_characters_and_placeholders():
    shown = preview("WHATSAPP", "Hi {{1}}, order {{2}}")
    assert (shown.placeholders, shown.encoding, shown.segments) == (2, None, None)
