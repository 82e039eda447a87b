"""The WhatsApp connector end to end: real Kafka, real PostgreSQL, the WhatsApp sandbox
over real HTTP (sends to it, its signed webhooks back to the connector)."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from cpaas.connector_kit.testing.metrics import unmatched_count
from cpaas.contracts import ErrorCode, MessageStatus

if TYPE_CHECKING:  # the fixture's type, from this folder's conftest
    from conftest import World

SUBMITTED_OPERATOR, DELIVERED, READ, FAILED = (
    MessageStatus.SUBMITTED_OPERATOR,
    MessageStatus.DELIVERED,
    MessageStatus.READ,
    MessageStatus.FAILED,
)


def status_webhook(wamid: str, status: str, recipient: str) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "919000000001", "phone_number_id": "106540352242922"},
                            "statuses": [
                                {
                                    "id": wamid,
                                    "status": status,
                                    "timestamp": str(int(time.time())),
                                    "recipient_id": recipient.lstrip("+"),
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


async def test_template_message_is_submitted_then_delivered(world: World) -> None:
    event = world.submit_event("+919876543210")
    await world.submit(event)
    submitted = await world.wait_for(event.message_id, SUBMITTED_OPERATOR)
    delivered = await world.wait_for(event.message_id, DELIVERED)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    [sent] = await world.received_by_sandbox("+919876543210")
    assert sent["wamid"] == submitted.carrier_message_id == delivered.carrier_message_id
    assert sent["phone_number_id"] == "106540352242922"
    assert sent["request"]["template"] == {
        "name": "order_update",
        "language": {"code": "en"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Asha"}, {"type": "text", "text": "A-1042"}]}
        ],
    }
    assert sent["request"]["biz_opaque_callback_data"] == f"{event.message_id}:1"
    assert (delivered.template_id, delivered.campaign_id, delivered.account_id) == (
        world.template_id,
        11,
        world.account_id,
    )
    assert delivered.channel == "WHATSAPP" and delivered.error_code is None


async def test_media_template_sends_its_header_image_by_link(world: World) -> None:
    [row] = await world.rows(
        "INSERT INTO console.templates (account_id, name, channel, status, template_type, body, content, waba_number_id)"
        " VALUES ($1, 'Stock-Alert', 'WHATSAPP', 'APPROVED', 'MEDIA', 'Hi {{1}}', $2, $3) RETURNING id",
        world.account_id,
        json.dumps({"header": {"type": "IMAGE", "mediaUrl": "https://cdn.example.com/stock.png"}}),
        world.waba_number_id,
    )
    event = world.submit_event("+919876543220", template_id=row["id"], variables={"1": "Ravi"})
    await world.submit(event)
    await world.wait_for(event.message_id, DELIVERED)
    [sent] = await world.received_by_sandbox("+919876543220")
    assert sent["request"]["template"]["name"] == "stock_alert"
    assert sent["request"]["template"]["components"] == [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/stock.png"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ravi"}]},
    ]


async def test_recipient_ending_904_ends_read(world: World) -> None:
    event = world.submit_event("+919876543904")
    await world.submit(event)
    read = await world.wait_for(event.message_id, READ)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED, READ]
    assert read.carrier_message_id


async def test_recipient_ending_903_fails_fast_as_channel_not_supported(world: World) -> None:
    event = world.submit_event("+919876543903")
    started = time.monotonic()
    await world.submit(event)
    failed = await world.wait_for(event.message_id, FAILED)
    assert time.monotonic() - started < 5
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, FAILED]
    assert failed.error_code is ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT
    assert failed.carrier_error_code == "131026"
    assert "incapable" in (failed.error_detail or "")


async def test_recipient_ending_901_is_sent_then_fails_undeliverable(world: World) -> None:
    event = world.submit_event("+919876543901")
    await world.submit(event)
    failed = await world.wait_for(event.message_id, FAILED)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, FAILED]
    assert (failed.error_code, failed.carrier_error_code) == (ErrorCode.CARRIER_UNDELIVERABLE, "131049")


async def test_recipient_ending_905_fails_at_send(world: World) -> None:
    event = world.submit_event("+919876543905")
    await world.submit(event)
    failed = await world.wait_for(event.message_id, FAILED)
    assert world.of(event.message_id) == [FAILED]
    assert (failed.error_code, failed.carrier_error_code) == (ErrorCode.CARRIER_REJECTED, "131030")
    assert "not in allowed list" in (failed.error_detail or "")
    assert failed.carrier_message_id is None
    [send] = await world.rows(
        "SELECT state, status, provider_message_id AS wamid FROM wa.sends WHERE message_id = $1", event.message_id
    )
    assert (send["state"], send["status"], send["wamid"]) == ("REFUSED", "FAILED", None)


async def test_duplicate_webhook_changes_nothing(world: World) -> None:
    event = world.submit_event("+919876543902")  # sent, then nothing: the test brings the DLR
    await world.submit(event)
    submitted = await world.wait_for(event.message_id, SUBMITTED_OPERATOR)
    wamid = submitted.carrier_message_id
    assert wamid
    delivered = status_webhook(wamid, "delivered", event.recipient)
    first, second = await world.post_webhook(delivered), await world.post_webhook(delivered)
    assert (first.status_code, second.status_code) == (200, 200)
    await world.wait_for(event.message_id, DELIVERED)
    await world.settle(0.5)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    applied = await world.rows(
        "SELECT provider_status FROM wa.webhook_statuses WHERE wamid = $1 ORDER BY provider_status", wamid
    )
    assert [r["provider_status"] for r in applied] == ["delivered", "sent"]


async def test_a_status_for_a_message_never_sent_here_is_answered_200_and_counted(world: World) -> None:
    """A mis-set webhook (another platform's statuses) is acknowledged and shows as unmatched."""
    url = world.connector_url
    before = await unmatched_count(url, "wa-connector", "unknown_message")
    stranger = status_webhook("wamid.someone-elses", "delivered", "+919876543299")
    assert (await world.post_webhook(stranger)).status_code == 200
    assert await unmatched_count(url, "wa-connector", "unknown_message") == before + 1


async def test_webhook_with_a_bad_signature_is_401_and_changes_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    event = world.submit_event("+919876543902")
    await world.submit(event)
    submitted = await world.wait_for(event.message_id, SUBMITTED_OPERATOR)
    assert submitted.carrier_message_id
    caplog.set_level(logging.WARNING, logger="cpaas.wa_connector")
    response = await world.post_webhook(
        status_webhook(submitted.carrier_message_id, "delivered", event.recipient), secret="not-the-app-secret"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert any("bad signature" in r.getMessage() for r in caplog.records)
    await world.settle(0.5)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR]


async def test_same_submit_event_twice_sends_once(world: World) -> None:
    event = world.submit_event("+919876543230")
    await world.submit(event)
    await world.wait_for(event.message_id, DELIVERED)
    await world.submit(event)
    await world.settle(1.0)
    assert len(await world.received_by_sandbox("+919876543230")) == 1
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_message_is_sent_once_the_provider_answers_again(world_without_provider: World) -> None:
    world = world_without_provider
    event = world.submit_event("+919876543250")
    await world.submit(event)
    await world.settle(1.5)  # connection refused: the batch is redelivered and tried again
    assert world.of(event.message_id) == []
    [send] = await world.rows("SELECT state FROM wa.sends WHERE message_id = $1", event.message_id)
    assert send["state"] == "SENDING"
    async with world.sandbox_serving():
        await world.wait_for(event.message_id, DELIVERED)
        assert len(await world.received_by_sandbox("+919876543250")) == 1
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_unknown_template_is_failed_without_a_send(world: World) -> None:
    event = world.submit_event("+919876543240", template_id=987654)
    await world.submit(event)
    failed = await world.wait_for(event.message_id, FAILED)
    assert failed.error_code is ErrorCode.TEMPLATE_NOT_FOUND
    assert await world.received_by_sandbox("+919876543240") == []


async def test_template_is_registered_then_approved(world: World) -> None:
    await world.submit_template("back_in_stock")
    pending = await world.wait_for_template(world.template_id, "PENDING")
    approved = await world.wait_for_template(world.template_id, "APPROVED")
    assert pending.provider_template_id and pending.provider_template_id == approved.provider_template_id
    assert approved.reason is None and approved.channel == "WHATSAPP"
    [registered] = [t for t in await _sandbox_templates(world) if t["id"] == pending.provider_template_id]
    assert (registered["name"], registered["category"]) == ("back_in_stock", "MARKETING")
    assert registered["components"][0] == {
        "type": "HEADER",
        "format": "IMAGE",
        "example": {"header_handle": ["https://cdn.example.com/stock.png"]},
    }


async def test_template_named_reject_ends_failed_with_the_provider_reason(world: World) -> None:
    await world.submit_template("reject_promo")
    pending = await world.wait_for_template(world.template_id, "PENDING")
    failed = await world.wait_for_template(world.template_id, "FAILED")
    # Meta's code with its rejection_info: what is wrong and what to change (issue 20.2)
    assert failed.reason is not None and failed.reason.startswith("INVALID_FORMAT: ")
    assert "Recommendation: " in failed.reason
    assert failed.provider_template_id == pending.provider_template_id
    assert [e.status for e in world.template_statuses] == ["PENDING", "FAILED"]


async def test_template_the_provider_refuses_ends_failed_with_its_message(world: World) -> None:
    await world.submit_template("promo", category="PROMOTIONAL")
    failed = await world.wait_for_template(world.template_id, "FAILED")
    assert failed.provider_template_id is None
    assert "category" in (failed.reason or "")


async def test_subscription_handshake_echoes_the_challenge(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.connector_url) as http:
        ok = await http.get(
            "/webhooks/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": "local-dev-wa-verify", "hub.challenge": "1158201444"},
        )
        refused = await http.get(
            "/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"}
        )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert refused.status_code == 403


async def _sandbox_templates(world: World) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=world.sandbox_url) as http:
        return (await http.get("/sandbox/whatsapp/templates")).json()["templates"]
