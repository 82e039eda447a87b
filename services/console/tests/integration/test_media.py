"""Template media uploads: stored by the platform, type checked from the bytes, size
checked per kind, and served by URL to whoever holds it (the providers)."""

from urllib.parse import urlparse

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


async def upload(client, data: bytes, content_type: str, filename: str = "card.png"):
    return await client.post(
        "/api/media", params={"filename": filename}, content=data, headers={"Content-Type": content_type}
    )


async def test_an_uploaded_image_is_served_by_its_url_with_its_type(console) -> None:
    client = await console.user()
    response = await upload(client, PNG, "image/png")
    assert response.status_code == 201, response.text
    media = response.json()
    assert media["contentType"] == "image/png" and media["kind"] == "image" and media["sizeBytes"] == len(PNG)
    url = urlparse(media["url"])
    assert url.path.endswith(".png") and url.netloc == "127.0.0.1:8088"

    served = await console.client().get(url.path)  # no session: providers fetch it
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"

    video = await upload(client, MP4, "video/mp4", "clip.mp4")
    assert video.status_code == 201 and video.json()["kind"] == "video"
    assert (await console.client().get("/media/nosuchid.png")).status_code == 404


async def test_wrong_type_empty_and_oversized_uploads_are_refused_on_the_file_field(console) -> None:
    client = await console.user()
    cases = [
        (JPEG, "image/png"),  # the bytes are not what is declared
        (b"GIF89a" + b"\x00" * 32, "image/gif"),  # a type not accepted
        (b"<script>alert(1)</script>", "image/png"),
    ]
    for data, content_type in cases:
        response = await upload(client, data, content_type)
        assert response.status_code == 422, (content_type, response.text)
        assert response.json()["error"]["field"] == "file"
        assert response.json()["error"]["message"]

    big_image = PNG + b"\x00" * (5 * 1024 * 1024)
    response = await upload(client, big_image, "image/png")
    assert response.status_code == 422
    assert "5 MB" in response.json()["error"]["message"]

    too_big = PNG + b"\x00" * (17 * 1024 * 1024)
    response = await upload(client, too_big, "image/png")
    assert response.status_code == 413

    assert (await upload(console.client(), PNG, "image/png")).status_code == 401
