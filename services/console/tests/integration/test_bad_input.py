"""Ordinary bad input found by the schemathesis run of issue 17, each a 4xx with the error
shape naming the field (it was a 500): ids and pages past PostgreSQL's bigint, NUL bytes
and lone surrogates in query strings, login and JSON bodies."""

import pytest

BIG = [2**63, 2**64, 10**30]


async def assert_refused(response, status: int, field: str | None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] in ("VALIDATION_ERROR", "PAYLOAD_TOO_LARGE") and error["field"] == field, error


@pytest.mark.parametrize("value", BIG)
async def test_ids_past_bigint_in_the_path_are_422(console, value) -> None:
    admin = await console.admin()
    await assert_refused(await admin.get(f"/api/templates/{value}"), 422, "template_id")
    await assert_refused(await admin.post(f"/api/admin/users/{value}/deactivate"), 422, "user_id")
    await assert_refused(await admin.post(f"/api/admin/users/{value}/reset-password"), 422, "user_id")
    decision = {"decision": "APPROVE"}
    await assert_refused(await admin.post(f"/api/admin/approvals/templates/{value}", json=decision), 422, "item_id")


@pytest.mark.parametrize("value", BIG)
async def test_pages_and_ids_past_bigint_in_the_query_are_422(console, value) -> None:
    admin = await console.admin()
    await assert_refused(await admin.get("/api/templates", params={"page": value}), 422, "page")
    await assert_refused(await admin.get("/api/reports", params={"campaignId": value}), 422, "campaignId")
    await assert_refused(await admin.get("/api/admin/users", params={"page": value}), 422, "page")
    await assert_refused(await admin.get("/api/billing", params={"page": value}), 422, "page")


async def test_ids_past_bigint_in_a_json_body_are_422(console) -> None:
    admin = await console.admin()
    new_user = {"username": "someone", "accountId": 2**63}
    await assert_refused(await admin.post("/api/admin/users", json=new_user), 422, "accountId")
    template = {"name": "t1", "channel": "WHATSAPP", "body": "Hi", "wabaNumberId": 2**64}
    await assert_refused(await admin.post("/api/templates", json=template), 422, "wabaNumberId")


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/templates", "search"),
        ("/api/sender-ids", "search"),
        ("/api/blacklist", "search"),
        ("/api/admin/users", "search"),
        ("/api/admin/approvals", "search"),
        ("/api/reports", "recipient"),
    ],
)
async def test_nul_in_a_search_string_is_422_naming_it(console, path, param) -> None:
    admin = await console.admin()
    response = await admin.get(path, params={param: "ab\x00c"})
    await assert_refused(response, 422, param)
    assert "NUL" in response.json()["error"]["message"]


async def test_nul_in_the_url_path_is_422(console) -> None:
    admin = await console.admin()
    await assert_refused(await admin.get("/api/reports/msg%00x"), 422, "path")
    await assert_refused(await admin.delete("/api/blacklist/%2B9198%0076543210"), 422, "path")


async def test_nul_in_the_login_body_is_422_naming_the_field(console) -> None:
    client = console.client()
    await assert_refused(await client.post("/api/auth/login", json={"username": "de\x00mo", "password": "x"}), 422, "username")
    await assert_refused(await client.post("/api/auth/login", json={"username": "demo", "password": "\x00"}), 422, "password")


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/templates", {"name": "t", "channel": "SMS", "body": "a\x00b"}, "body"),
        (
            "POST",
            "/api/templates",
            {"name": "t", "channel": "SMS", "body": "b", "content": {"k\x00": 1}},
            "content.k\\u0000",
        ),
        ("POST", "/api/sender-ids", {"senderId": "AB\x00", "peId": "1"}, "senderId"),
        ("PUT", "/api/settings/ip-allowlist", {"entries": ["10.0.0.1", "1\x00"]}, "entries.1"),
        ("PUT", "/api/settings/webhook", {"url": "https://93.184.216.34/\x00"}, "url"),
        ("POST", "/api/blacklist", {"recipient": "+91\x00"}, "recipient"),
        ("POST", "/api/channels/rcs", b'{"displayName": "\\ud800", "handle": "abc"}', "displayName"),
        ("POST", "/api/admin/users", {"username": "abc", "accountName": "A\x00"}, "accountName"),
    ],
)
async def test_nul_and_lone_surrogates_in_a_json_body_are_422_naming_the_member(
    console, method, path, body, field
) -> None:
    admin = await console.admin()
    if isinstance(body, bytes):  # JSON text that no encoder would write (a lone surrogate escape)
        response = await admin.request(method, path, content=body, headers={"Content-Type": "application/json"})
    else:
        response = await admin.request(method, path, json=body)
    await assert_refused(response, 422, field)


async def test_a_json_body_past_a_mebibyte_is_413(console) -> None:
    admin = await console.admin()
    big = {"name": "t", "channel": "SMS", "body": "x" * (1024 * 1024)}
    await assert_refused(await admin.post("/api/templates", json=big), 413, None)


async def test_uploads_are_not_read_by_the_text_guard(console) -> None:
    user = await console.user()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = await user.post(
        "/api/media", params={"filename": "a.png"}, content=png, headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 201, response.text
