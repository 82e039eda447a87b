"""The RCS connector end to end: real Kafka, real PostgreSQL, the sandbox RBM API over
HTTP and its signed webhooks into the connector."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from cpaas.connector_kit.testing.metrics import unmatched_count
from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.rcs_connector.settings import RcsConnectorSettings

if TYPE_CHECKING:  # the fixture's type, from this folder's conftest
    from conftest import World

SUBMITTED_OPERATOR, DELIVERED, READ = MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED, MessageStatus.READ
FAILED = MessageStatus.FAILED


async def test_text_message_is_submitted_then_delivered(world: World) -> None:
    event = world.submit_event("+919876543210")
    await world.kafka.submit(event)
    submitted = await world.kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    delivered = await world.kafka.wait_for(event.message_id, DELIVERED)
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    [sent] = await world.received("+919876543210")
    assert sent["agent_id"] == world.creds["rcsBot"]
    assert sent["body"] == {
        "contentMessage": {
            "text": "Welcome Asha! Your account is ready.",
            "suggestions": [
                {"reply": {"text": "Get started", "postbackData": "start"}},
                {
                    "action": {
                        "text": "Visit us",
                        "postbackData": "open_url:Visit us",
                        "openUrlAction": {"url": "https://example.com/"},
                    }
                },
            ],
        }
    }
    assert submitted.carrier_message_id == delivered.carrier_message_id == sent["message_id"]
    assert (submitted.template_id, submitted.campaign_id, submitted.channel.value) == (event.template_id, 11, "RCS")
    assert delivered.occurred_at >= submitted.occurred_at


async def test_ops_endpoints_answer(world: World) -> None:
    assert (await world.http.get(f"{world.connector_url}/healthz")).status_code == 200
    ready = await world.http.get(f"{world.connector_url}/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"postgres", "kafka"}
    metrics = (await world.http.get(f"{world.connector_url}/metrics")).text
    assert "cpaas_rcs_provider_calls_total" in metrics or "cpaas_rcs_messages_total" in metrics


async def test_rich_card_is_delivered(world: World) -> None:
    event = world.submit_event("+919876543211", "RCS_RICH_CARD")
    await world.kafka.submit(event)
    await world.kafka.wait_for(event.message_id, DELIVERED)
    [sent] = await world.received("+919876543211")
    content = sent["body"]["contentMessage"]
    card = content["richCard"]["standaloneCard"]
    assert card["cardOrientation"] == "VERTICAL"
    assert card["cardContent"]["title"] == "Diwali offer"
    assert card["cardContent"]["description"] == "20% off for Asha"
    assert card["cardContent"]["media"] == {
        "height": "MEDIUM",
        "contentInfo": {"fileUrl": "http://127.0.0.1:8090/sandbox/media/offer.png", "forceRefresh": False},
    }
    assert card["cardContent"]["suggestions"][0]["action"]["dialAction"] == {"phoneNumber": "+919000000001"}
    assert content["fallback"] == "Offer for Asha"


async def test_carousel_of_three_cards_is_delivered(world: World) -> None:
    event = world.submit_event("+919876543212", "RCS_CAROUSEL")
    await world.kafka.submit(event)
    await world.kafka.wait_for(event.message_id, DELIVERED)
    [sent] = await world.received("+919876543212")
    carousel = sent["body"]["contentMessage"]["richCard"]["carouselCard"]
    assert carousel["cardWidth"] == "MEDIUM"
    assert [c["title"] for c in carousel["cardContents"]] == ["Pick 1", "Pick 2", "Pick 3"]
    assert {c["media"]["height"] for c in carousel["cardContents"]} == {"MEDIUM"}
    assert [c["suggestions"] for c in carousel["cardContents"]] == [
        [{"reply": {"text": "Buy", "postbackData": f"buy-{n}"}}] for n in (1, 2, 3)
    ]


async def test_recipient_ending_904_is_delivered_then_read(world: World) -> None:
    event = world.submit_event("+919876543904")
    await world.kafka.submit(event)
    read = await world.kafka.wait_for(event.message_id, READ)
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED, READ]
    assert read.carrier_message_id == f"{event.message_id}-1"


async def test_recipient_ending_903_fails_at_once_without_a_send(world: World) -> None:
    event = world.submit_event("+919876543903")
    await world.kafka.submit(event)
    failed = await world.kafka.wait_for(event.message_id, FAILED)
    assert world.kafka.of(event.message_id) == [FAILED]
    assert failed.error_code is ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT
    assert await world.received("+919876543903") == []
    assert len(await world.capability_checks("+919876543903")) == 1


async def test_recipient_ending_905_is_refused_by_the_gateway(world: World) -> None:
    event = world.submit_event("+919876543905")
    await world.kafka.submit(event)
    failed = await world.kafka.wait_for(event.message_id, FAILED)
    assert world.kafka.of(event.message_id) == [FAILED]
    assert failed.error_code is ErrorCode.CARRIER_REJECTED
    assert failed.carrier_error_code == "FAILED_PRECONDITION"
    assert "905" in (failed.error_detail or "")
    assert failed.carrier_message_id is None


async def test_recipient_ending_901_is_accepted_and_never_delivered(world: World) -> None:
    event = world.submit_event("+919876543901")
    await world.kafka.submit(event)
    await world.kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    await world.kafka.settle(1.0)  # RBM has no "undelivered" event: the router's timeout ends it
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR]


async def test_duplicate_webhook_event_changes_nothing(world: World) -> None:
    event = world.submit_event("+919876543213")
    await world.kafka.submit(event)
    delivered = await world.kafka.wait_for(event.message_id, DELIVERED)
    again = {
        "senderPhoneNumber": "+919876543213",
        "eventType": "DELIVERED",
        "eventId": "Mx-redelivered",
        "messageId": delivered.carrier_message_id,
        "sendTime": "2030-01-01T00:00:00.000000Z",
        "agentId": world.creds["rcsBot"],
    }
    for _ in range(2):
        response = await world.post_webhook(again)
        assert response.status_code == 200
    await world.kafka.settle(0.8)
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_webhook_with_a_bad_signature_is_refused_401(world: World) -> None:
    event = world.submit_event("+919876543902")  # accepted, no event of its own ever
    await world.kafka.submit(event)
    submitted = await world.kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    forged = {
        "senderPhoneNumber": "+919876543902",
        "eventType": "DELIVERED",
        "eventId": "Mx-forged",
        "messageId": submitted.carrier_message_id,
        "sendTime": "2030-01-01T00:00:00Z",
        "agentId": world.creds["rcsBot"],
    }
    response = await world.post_webhook(forged, client_token="not-the-client-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    await world.kafka.settle(0.5)
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR]


async def test_the_same_submit_twice_is_sent_once(world: World) -> None:
    event = world.submit_event("+919876543214")
    await world.kafka.submit(event)
    await world.kafka.wait_for(event.message_id, DELIVERED)
    await world.kafka.submit(event)  # a redelivery after the first was handled
    await world.kafka.settle(1.0)
    assert len(await world.received("+919876543214")) == 1
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_suspended_bot_fails_the_next_message_at_once(world: World) -> None:
    first = world.submit_event("+919876543215")
    await world.kafka.submit(first)
    await world.kafka.wait_for(first.message_id, SUBMITTED_OPERATOR)  # the bot is cached now
    await world.sql("UPDATE console.rcs_bots SET status = 'SUSPENDED'")  # NOTIFY evicts it
    await asyncio.sleep(0.3)
    second = world.submit_event("+919876543216")
    await world.kafka.submit(second)
    failed = await world.kafka.wait_for(second.message_id, FAILED)
    assert failed.error_code is ErrorCode.CHANNEL_NOT_CONFIGURED
    assert await world.received("+919876543216") == []


async def test_template_is_registered_pending_then_approved(world: World) -> None:
    template = world.template_event(9001, "order_confirmed")
    await world.kafka.submit_template(template)
    pending = await world.kafka.wait_for_template(9001, "PENDING")
    approved = await world.kafka.wait_for_template(9001, "APPROVED")
    assert pending.provider_template_id and pending.provider_template_id == approved.provider_template_id
    assert world.kafka.templates_of(9001) == ["PENDING", "APPROVED"]
    assert (approved.account_id, approved.channel.value, approved.reason) == (world.account_id, "RCS", None)
    registered = (await world.http.get(f"{world.rbm.base_url}/sandbox/rbm/templates")).json()["templates"]
    [ours] = [t for t in registered if t["template_id"] == pending.provider_template_id]
    assert ours["content"]["text"] == "Hello {{1}}, your order {{2}} is confirmed."


async def test_template_named_reject_ends_failed_with_the_providers_reason(world: World) -> None:
    content = {
        "cardWidth": "SMALL",
        "cards": [{"title": f"Card {n}", "mediaUrl": f"https://cdn.example.com/{n}.png"} for n in (1, 2)],
    }
    template = world.template_event(9002, "reject_spammy_offer", template_type="CAROUSEL", content=content)
    await world.kafka.submit_template(template)
    failed = await world.kafka.wait_for_template(9002, "FAILED")
    assert world.kafka.templates_of(9002) == ["PENDING", "FAILED"]
    assert failed.reason and "reject_" in failed.reason


async def test_template_the_provider_refuses_at_once_fails_with_its_reason(world: World) -> None:
    too_long = {"suggestions": [{"type": "REPLY", "text": "ok"}]}
    template = world.template_event(9003, "way_too_long", content=too_long).model_copy(update={"body": "x" * 3100})
    await world.kafka.submit_template(template)
    failed = await world.kafka.wait_for_template(9003, "FAILED")
    assert world.kafka.templates_of(9003) == ["FAILED"]
    assert failed.reason and "INVALID_ARGUMENT" in failed.reason


async def test_event_before_its_submission_is_announced_is_answered_503_then_applied(world: World) -> None:
    await world.sql(
        "INSERT INTO rcs.sends (message_id, attempt, account_id, recipient, template_id, provider_message_id)"
        " VALUES ('msg_01JZ8W4Q5V7Y9A1B2C3D4E5F6G', 1, $1, '+919876543217', $2, 'msg_01JZ8W4Q5V7Y9A1B2C3D4E5F6G-1')",
        world.account_id,
        world.template_id("RCS"),
    )
    event = {
        "senderPhoneNumber": "+919876543217",
        "eventType": "DELIVERED",
        "eventId": "Mx-early",
        "messageId": "msg_01JZ8W4Q5V7Y9A1B2C3D4E5F6G-1",
        "sendTime": "2030-01-01T00:00:00Z",
        "agentId": world.creds["rcsBot"],
    }
    started = time.monotonic()
    early = await world.post_webhook(event)
    assert early.status_code == 503
    assert early.headers["Retry-After"] == "1"
    assert time.monotonic() - started >= RcsConnectorSettings().webhook_early_wait_seconds  # it waited first
    await world.sql("UPDATE rcs.sends SET state = 'ACCEPTED', announced = true")
    assert (await world.post_webhook(event)).status_code == 200
    delivered = await world.kafka.wait_for("msg_01JZ8W4Q5V7Y9A1B2C3D4E5F6G", DELIVERED)
    assert (delivered.recipient, delivered.attempt) == ("+919876543217", 1)


async def test_an_event_for_a_send_still_being_announced_waits_for_it_in_line_and_is_applied(world: World) -> None:
    """The provider's DELIVERED before the connector recorded its answer to the send: the
    webhook waits for the announce (here 0.3 s later) and answers 200, no redelivery."""
    message_id = "msg_01JZ8W4Q5V7Y9A1B2C3D4E5F7H"
    await world.sql(
        "INSERT INTO rcs.sends (message_id, attempt, account_id, recipient, template_id, provider_message_id)"
        " VALUES ($1, 1, $2, '+919876543216', $3, $1 || '-1')",
        message_id,
        world.account_id,
        world.template_id("RCS"),
    )
    event = {
        "senderPhoneNumber": "+919876543216",
        "eventType": "DELIVERED",
        "eventId": "Mx-announcing",
        "messageId": f"{message_id}-1",
        "sendTime": "2030-01-01T00:00:00Z",
        "agentId": world.creds["rcsBot"],
    }

    async def announce_later() -> None:
        await asyncio.sleep(0.3)
        await world.sql("UPDATE rcs.sends SET state = 'ACCEPTED', announced = true WHERE message_id = $1", message_id)

    announcing = asyncio.create_task(announce_later())
    started = time.monotonic()
    answer = await world.post_webhook(event)
    took = time.monotonic() - started
    await announcing
    assert answer.status_code == 200
    assert 0.3 <= took < RcsConnectorSettings().webhook_early_wait_seconds
    delivered = await world.kafka.wait_for(message_id, DELIVERED)
    assert (delivered.recipient, delivered.attempt) == ("+919876543216", 1)


async def test_event_for_a_message_never_sent_here_is_acknowledged_and_ignored(world: World) -> None:
    before = await unmatched_count(world.connector_url, "rcs-connector", "unknown_message")
    event = {
        "senderPhoneNumber": "+919876543218",
        "eventType": "READ",
        "eventId": "Mx-stranger",
        "messageId": "someone-elses-message",
        "sendTime": "2030-01-01T00:00:00Z",
        "agentId": world.creds["rcsBot"],
    }
    assert (await world.post_webhook(event)).status_code == 200
    await world.kafka.settle(0.5)
    assert world.kafka.statuses == []
    # counted for the operator (the console's "Unmatched provider events" panel): a mis-set webhook shows
    assert await unmatched_count(world.connector_url, "rcs-connector", "unknown_message") == before + 1
