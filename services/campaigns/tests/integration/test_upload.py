"""Creating a campaign: the streamed upload, the file check with line numbers and
reasons, refusals of the form, and the files that make a campaign FAILED."""

import csv
import io

from .conftest import World, csv_of

GOOD = ["+919876500001,Asha,20%", "+919876500002,Ravi,15%", "+919876500003,Meena,10%"]


async def test_bad_rows_are_rejected_with_their_line_and_reason_and_good_rows_are_queued(world: World, service) -> None:
    await world.sql(
        "INSERT INTO console.blacklist (account_id, recipient) VALUES ($1, '+919876500009')", world.account_id
    )
    rows = [
        GOOD[0],
        "12345,Bad,1%",  # line 3: not a number
        GOOD[1],
        "+919876500004,OnlyOne",  # line 5: wrong variable count
        "+919876500001,Asha,20%",  # line 6: duplicate of line 2
        "+919876500009,Black,5%",  # line 7: blacklisted
    ]
    content = csv_of(rows, header="phone,name,discount") + b"+919876500005,\xff\xfe,1%\n" + csv_of([GOOD[2]])
    async with service() as svc:
        created = await svc.create(
            world.sms_form("diwali_promo_2025", templateId=str(world.promo_template_id)), content
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["status"] == "CREATED" and body["promotional"] is True
        campaign = await svc.until(body["id"], lambda c: c["status"] != "CREATED", "validated")
        assert campaign["status"] in ("QUEUED", "PROCESSING", "COMPLETED"), campaign
        assert (campaign["total"], campaign["rejected"]) == (8, 5)
        got = [(r["line"], r["code"]) for r in campaign["rejectedRows"]]
        assert got == [
            (3, "INVALID_NUMBER"),
            (5, "WRONG_VARIABLE_COUNT"),
            (6, "DUPLICATE"),
            (7, "BLACKLISTED"),
            (8, "INVALID_UTF8"),
        ]
        assert "duplicate of line 2" in campaign["rejectedRows"][2]["reason"]
        download = await svc.client.get(f"/api/v1/campaigns/{body['id']}/rejected.csv", headers=world.headers())
        assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(download.text)))
        assert table[0] == ["line", "code", "reason", "row"]
        assert [row[0] for row in table[1:]] == ["3", "5", "6", "7", "8"]
        assert table[1][3] == "12345,Bad,1%"
    good = await world.sql("SELECT line, recipient, variables FROM campaigns.recipients ORDER BY seq")
    assert [(r["line"], r["recipient"], r["variables"]) for r in good] == [
        (2, "+919876500001", ["Asha", "20%"]),
        (4, "+919876500002", ["Ravi", "15%"]),
        (9, "+919876500003", ["Meena", "10%"]),
    ]
    assert await world.sql("SELECT 1 FROM campaigns.file_chunks") == []  # the file goes once validated


async def test_the_guides_one_line_list_is_accepted_for_a_template_without_variables(world: World, service) -> None:
    template = await world.sql(
        "INSERT INTO console.templates (account_id, name, channel, status, category, body, dlt_template_id)"
        " VALUES ($1, 'notice', 'SMS', 'APPROVED', 'SIC', 'Our stores open at 10 tomorrow -CPAAS', '11071') RETURNING id",
        world.account_id,
    )
    content = b"+919876543210 +919123456789 +919000012345\n"
    async with service() as svc:
        created = await svc.create(world.sms_form("notice_list", templateId=str(template[0]["id"])), content)
        assert created.status_code == 201, created.text
        campaign = await svc.until(created.json()["id"], lambda c: c["status"] != "CREATED", "validated")
    assert (campaign["total"], campaign["rejected"]) == (3, 0)


async def test_a_file_that_is_not_a_csv_fails_with_the_reason(world: World, service) -> None:
    async with service() as svc:
        created = await svc.create(world.sms_form("xlsx_upload"), b"PK\x03\x04" + b"\x00" * 200, filename="list.xlsx")
        assert created.status_code == 201, created.text
        campaign = await svc.until(created.json()["id"], lambda c: c["status"] == "FAILED", "failed")
    assert "XLSX" in campaign["statusReason"] and "CSV" in campaign["statusReason"]


async def test_a_file_without_a_good_row_fails_with_the_reason(world: World, service) -> None:
    async with service() as svc:
        created = await svc.create(world.sms_form("all_bad"), csv_of(["+911234567,1,2", "+9100000000000,1,2"]))
        campaign = await svc.until(created.json()["id"], lambda c: c["status"] == "FAILED", "failed")
    assert campaign["statusReason"].startswith("no row can be sent: all 2 rows were rejected")
    assert campaign["rejected"] == 2


async def test_the_form_follows_the_submit_rules_and_the_name_is_unique(world: World, service) -> None:
    async with service() as svc:
        pending = await world.sql(
            "INSERT INTO console.templates (account_id, name, channel, status, body) VALUES ($1, 'draft', 'SMS',"
            " 'PENDING', 'Hi {#var#}') RETURNING id",
            world.account_id,
        )
        cases = [
            (world.sms_form("a", templateId=str(pending[0]["id"])), 422, "TEMPLATE_NOT_APPROVED", "templateId"),
            (world.sms_form("b", senderId="NOTMINE"), 422, "SENDER_ID_NOT_APPROVED", "senderId"),
            (world.sms_form("c", channel="WHATSAPP"), 422, "TEMPLATE_CHANNEL_MISMATCH", "templateId"),
            (
                world.sms_form("d", fallback='[{"channel": "RCS", "templateId": 999999}]'),
                404,
                "TEMPLATE_NOT_FOUND",
                "fallback[0].templateId",
            ),
            (world.sms_form("e", scheduledAt="2001-01-01T10:00"), 422, "VALIDATION_ERROR", "scheduledAt"),
            (world.sms_form("bad/name"), 422, "VALIDATION_ERROR", "name"),
        ]
        for form, status, code, field in cases:
            response = await svc.create(form, csv_of(GOOD))
            assert response.status_code == status, (form, response.text)
            assert response.json()["error"]["code"] == code and response.json()["error"]["field"] == field, (
                response.text
            )
        first = await svc.create(world.sms_form("once"), csv_of(GOOD))
        again = await svc.create(world.sms_form("once"), csv_of(GOOD))
        assert first.status_code == 201 and again.status_code == 409
        assert again.json()["error"] == {
            "code": "CONFLICT",
            "message": "a campaign named 'once' already exists in this account",
            "field": "name",
        }
        no_file = await svc.client.post(
            "/api/v1/campaigns", data=world.sms_form("nofile"), files={"x": ("", b"")}, headers=world.headers()
        )
        assert no_file.status_code == 422
        unauthenticated = await svc.client.get("/api/v1/campaigns")
        assert unauthenticated.status_code == 401 and unauthenticated.json()["error"]["code"] == "UNAUTHORIZED"
    # refused uploads leave no stored file behind (only the one campaign's, until it is validated)
    chunks = await world.sql("SELECT DISTINCT upload_id FROM campaigns.file_chunks")
    assert len(chunks) <= 1


async def test_a_file_over_the_size_limit_is_refused_413_and_not_kept(world: World, service) -> None:
    async with service(max_file_bytes=10_000, chunk_bytes=4096) as svc:
        response = await svc.create(world.sms_form("too_big"), b"+919876543210,a,b\n" * 2000)
    assert response.status_code == 413 and response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await world.sql("SELECT 1 FROM campaigns.file_chunks") == []
    assert await world.sql("SELECT 1 FROM campaigns.campaigns") == []


async def test_the_list_is_searchable_and_paged(world: World, service) -> None:
    async with service() as svc:
        for name in ("diwali_a", "diwali_b", "holi_a"):
            assert (await svc.create(world.sms_form(name), csv_of(GOOD))).status_code == 201
        page = await svc.client.get(
            "/api/v1/campaigns", params={"search": "DIWALI", "pageSize": 1}, headers=world.headers()
        )
        internal = await svc.internal.get(
            f"/internal/v1/accounts/{world.account_id}/campaigns",
            headers={"X-Service-Token": "local-dev-service-token"},
        )
        public_internal = await svc.client.get(f"/internal/v1/accounts/{world.account_id}/campaigns")
    body = page.json()
    assert (body["total"], body["pageSize"], [c["name"] for c in body["items"]]) == (2, 1, ["diwali_b"])
    assert internal.status_code == 200 and internal.json()["total"] == 3
    assert public_internal.status_code == 404
