"""The Templates screen's API: SMS auto-approval and preview, WhatsApp submission,
account scoping, re-submitting a rejected template."""

import asyncio
import json

from aiokafka import AIOKafkaConsumer

from cpaas.contracts.topics import TEMPLATE_SUBMITTED

SMS = {
    "name": "otp_login",
    "channel": "SMS",
    "body": "Your login code is {#var#}. -CPAAS",
    "dltTemplateId": "1107161234567890999",
    "category": "Auth",
}
WHATSAPP = {
    "name": "delivery_note",
    "channel": "WHATSAPP",
    "category": "UTILITY",
    "body": "Hi {{1}}, your parcel {{2}} is out for delivery.",
    "content": {"footer": "Reply STOP to opt out", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]},
}


async def test_an_sms_template_is_approved_at_once_and_listed_with_every_column(console) -> None:
    client = await console.user()
    response = await client.post("/api/templates", json=SMS)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "APPROVED" and created["placeholders"] == 1
    listing = (await client.get("/api/templates", params={"search": "login", "pageSize": 5})).json()
    assert listing["total"] == 1 and listing["pageSize"] == 5
    item = listing["items"][0]
    for column in (
        "name",
        "channel",
        "contentPreview",
        "identity",
        "category",
        "templateType",
        "status",
        "statusReason",
        "createdAt",
    ):
        assert column in item
    assert item["category"] == "Auth" and item["dltTemplateId"] == "1107161234567890999"
    whatsapp = (await client.get("/api/templates", params={"channel": "WHATSAPP"})).json()["items"]
    assert [t["identity"] for t in whatsapp] == ["+919000000001"]


async def test_sms_template_rules_name_the_field_at_fault(console) -> None:
    client = await console.user()
    for change, field in (
        ({"name": "bad name!"}, "name"),
        ({"dltTemplateId": None}, "dltTemplateId"),
        ({"category": "PROMO"}, "category"),
        ({"name": "otp_alert"}, "name"),  # the seed's, already taken
    ):
        response = await client.post("/api/templates", json={**SMS, **change})
        assert response.status_code in (409, 422) and response.json()["error"]["field"] == field


async def test_preview_counts_encoding_segments_and_placeholders(console) -> None:
    client = await console.user()
    gsm = (await client.post("/api/templates/preview", json={"channel": "SMS", "body": "a" * 161})).json()
    assert gsm == {"characters": 161, "placeholders": 0, "encoding": "GSM-7", "segments": 2}
    ucs = (await client.post("/api/templates/preview", json={"channel": "SMS", "body": "नमस्ते {#var#}"})).json()
    assert ucs["encoding"] == "UCS-2" and ucs["segments"] == 1 and ucs["placeholders"] == 1


async def test_a_whatsapp_template_goes_pending_and_is_published_for_registration(console, kafka_settings) -> None:
    consumer = AIOKafkaConsumer(
        kafka_settings.topic(TEMPLATE_SUBMITTED.name),
        bootstrap_servers=kafka_settings.bootstrap_servers,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        client = await console.user()
        response = await client.post("/api/templates", json=WHATSAPP)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["status"] == "PENDING" and created["wabaNumberId"] is not None
        record = await asyncio.wait_for(consumer.getone(), 10)
        event = json.loads(record.value)
        assert record.key == str(created["id"]).encode()
        assert event["type"] == "cpaas.template.submitted.v1"
        assert event["data"]["templateId"] == created["id"] and event["data"]["channel"] == "WHATSAPP"
        assert event["data"]["content"]["footer"] == "Reply STOP to opt out"
    finally:
        await consumer.stop()


async def test_invalid_whatsapp_content_is_refused_with_its_field(console) -> None:
    client = await console.user()
    bad = {**WHATSAPP, "content": {"buttons": [{"type": "CALL_ME", "text": "x"}]}}
    response = await client.post("/api/templates", json=bad)
    assert response.status_code == 422
    assert response.json()["error"]["field"].startswith("content.buttons")


async def test_incomplete_rcs_and_whatsapp_content_is_refused_with_its_field(console) -> None:
    client = await console.user()
    card = {"title": "Sale", "mediaUrl": "https://cdn.example.com/a.png"}
    cases = [
        (
            {"templateType": "TEXT", "content": {"suggestions": [{"type": "DIAL", "text": "Call us"}]}},
            "content.suggestions.0",
        ),
        (
            {"templateType": "TEXT", "content": {"suggestions": [{"type": "OPEN_URL", "text": "Visit"}]}},
            "content.suggestions.0",
        ),
        ({"templateType": "RICH_CARD", "content": {"card": {}}}, "content.card"),
        ({"templateType": "CAROUSEL", "content": {"cards": [card]}}, "content.cards"),
    ]
    for n, (fields, field) in enumerate(cases):
        body = {"name": f"rcs_bad_{n}", "channel": "RCS", "body": "Sale this week", **fields}
        response = await client.post("/api/templates", json=body)
        assert response.status_code == 422, (fields, response.text)
        assert response.json()["error"]["field"] == field, response.json()

    media_without_file = {**WHATSAPP, "templateType": "MEDIA", "content": {"header": {"type": "IMAGE"}}}
    response = await client.post("/api/templates", json=media_without_file)
    assert response.status_code == 422 and response.json()["error"]["field"] == "content.header", response.text
    text_with_media = {
        **WHATSAPP,
        "templateType": "TEXT",
        "content": {"header": {"type": "IMAGE", "mediaUrl": "https://cdn.example.com/a.png"}},
    }
    response = await client.post("/api/templates", json=text_with_media)
    assert response.status_code == 422 and response.json()["error"]["field"] == "templateType"
    ok = {**card, "suggestions": [{"type": "DIAL", "text": "Call", "phoneNumber": "+919000000001"}]}
    good = {"name": "rcs_good", "channel": "RCS", "body": "Sale", "templateType": "RICH_CARD", "content": {"card": ok}}
    assert (await client.post("/api/templates", json=good)).status_code == 201


async def test_a_user_cannot_read_another_accounts_template(console) -> None:
    store = console.app.state.store
    other = await store.accounts.create("Other")
    await store.users.create(other, "mallory", "mallory-pass", "user")
    secret = await store.templates.create(other, name="theirs", channel="SMS", body="x", status="APPROVED")
    client = await console.user()
    assert (await client.get(f"/api/templates/{secret}")).status_code == 404
    names = [t["name"] for t in (await client.get("/api/templates", params={"pageSize": 100})).json()["items"]]
    assert "theirs" not in names
    mallory = await console.login("mallory", "mallory-pass")
    own = console.creds["templates"]["SMS"]
    assert (await mallory.get(f"/api/templates/{own}")).status_code == 404
    response = await mallory.put(f"/api/templates/{own}", json={"body": "hijack", "category": "Auth"})
    assert response.status_code == 404


async def test_only_a_rejected_or_failed_template_can_be_edited_and_resubmitted(console) -> None:
    client = await console.user()
    created = (await client.post("/api/templates", json=WHATSAPP)).json()
    edit = {"body": "Hello {{1}}", "category": "UTILITY"}
    assert (await client.put(f"/api/templates/{created['id']}", json=edit)).status_code == 409
    await console.app.state.store.templates.review(created["id"], "REJECTED", "Body too vague")
    response = await client.put(f"/api/templates/{created['id']}", json=edit)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "PENDING" and response.json()["statusReason"] is None
    assert response.json()["body"] == "Hello {{1}}"
