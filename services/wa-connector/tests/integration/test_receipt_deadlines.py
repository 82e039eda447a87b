"""Receipts that never come, come late, or come while our webhook is down: real Kafka,
PostgreSQL and the WhatsApp sandbox (which redelivers as Meta does)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from cpaas.connector_kit.deadlines import expiring_sweeper
from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.platform.db import create_pool
from cpaas.wa_connector.store import WaStore

if TYPE_CHECKING:  # the fixtures' type, from this folder's conftest
    from conftest import World

SUBMITTED_OPERATOR, DELIVERED, UNDELIVERED = (
    MessageStatus.SUBMITTED_OPERATOR,
    MessageStatus.DELIVERED,
    MessageStatus.UNDELIVERED,
)
DEADLINE_SECONDS = 1.0  # conftest.SHORT_DEADLINE
OUTAGE_SECONDS = 8.0  # longer than the old sandbox's give-up for both statuses (5 tries, ~3.8 s each)


def delivered_webhook(wamid: str, recipient: str) -> dict[str, Any]:
    status = {"id": wamid, "status": "delivered", "timestamp": str(int(time.time())), "recipient_id": recipient[1:]}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "919000000001", "phone_number_id": "106540352242922"},
        "statuses": [status],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }


async def test_message_never_receipted_ends_undelivered_receipt_expired_after_its_deadline(
    world_with_short_deadline: World,
) -> None:
    world = world_with_short_deadline
    event = world.submit_event("+919876543902")  # sent, then nothing ever
    await world.submit(event)
    submitted = await world.wait_for(event.message_id, SUBMITTED_OPERATOR)
    expired = await world.wait_for(event.message_id, UNDELIVERED)
    assert (expired.occurred_at - submitted.occurred_at).total_seconds() >= DEADLINE_SECONDS
    assert (expired.error_code, expired.error_detail) == (ErrorCode.RECEIPT_EXPIRED, "expired, no receipt within 1 s")
    assert (expired.attempt, expired.carrier_message_id) == (1, submitted.carrier_message_id)
    assert (expired.template_id, expired.campaign_id, expired.account_id) == (world.template_id, 11, world.account_id)
    await world.settle(1.0)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED]
    [row] = await world.rows(
        "SELECT status, receipt_due_at, receipt_expired_at FROM wa.sends WHERE message_id = $1", event.message_id
    )
    assert (row["status"], row["receipt_due_at"]) == ("SUBMITTED_OPERATOR", None)
    assert row["receipt_expired_at"] is not None


async def test_a_receipt_after_the_expiry_is_still_published_for_the_same_attempt(
    world_with_short_deadline: World,
) -> None:
    world = world_with_short_deadline
    event = world.submit_event("+919876543902")
    await world.submit(event)
    expired = await world.wait_for(event.message_id, UNDELIVERED)
    assert expired.carrier_message_id
    response = await world.post_webhook(delivered_webhook(expired.carrier_message_id, event.recipient))
    assert response.status_code == 200
    delivered = await world.wait_for(event.message_id, DELIVERED)
    assert (delivered.attempt, delivered.carrier_message_id) == (1, expired.carrier_message_id)
    await world.settle(1.0)  # and it never expires a second time
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED, DELIVERED]


async def test_a_delivered_message_never_expires(world_with_short_deadline: World) -> None:
    world = world_with_short_deadline
    event = world.submit_event("+919876543260")
    await world.submit(event)
    await world.wait_for(event.message_id, DELIVERED)
    await world.settle(DEADLINE_SECONDS + 1.0)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]


async def test_replicas_sweeping_at_once_publish_each_expiry_once(world_with_short_deadline: World) -> None:
    world = world_with_short_deadline
    events = [world.submit_event(f"+91987654{n:02d}902") for n in range(6)]
    for event in events:
        await world.submit(event)
    for event in events:
        await world.wait_for(event.message_id, SUBMITTED_OPERATOR)
    await asyncio.sleep(DEADLINE_SECONDS)
    pool = await create_pool(world.pg, schema="wa", application_name="wa-connector-replica")
    try:  # three more replicas, each with its own connections, beside the connector's own sweeper
        replicas = [
            expiring_sweeper(WaStore(pool), world.publisher, service="wa-replica", every_seconds=60) for _ in range(3)
        ]
        await asyncio.gather(*(r.sweep_once() for r in replicas))
    finally:
        await pool.close()
    for event in events:
        await world.wait_for(event.message_id, UNDELIVERED)
    await world.settle(1.0)
    assert [world.of(e.message_id) for e in events] == [[SUBMITTED_OPERATOR, UNDELIVERED]] * len(events)


async def test_receipt_posted_while_our_webhook_is_down_arrives_once_it_is_back(
    world_with_webhooks_down: World,
) -> None:
    world = world_with_webhooks_down
    event = world.submit_event("+919876543270")
    await world.submit(event)
    await world.wait_for(event.message_id, SUBMITTED_OPERATOR)  # the send needs no webhook
    await asyncio.sleep(OUTAGE_SECONDS)  # the sandbox keeps redelivering 'sent', 'delivered' waits
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR]
    async with world.webhooks_serving():
        delivered = await world.wait_for(event.message_id, DELIVERED)
        await world.settle(0.5)
    assert world.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED]
    [sent] = await world.received_by_sandbox(event.recipient)
    assert sent["wamid"] == delivered.carrier_message_id
    assert sent["statuses"] == [{"status": s, "webhook_delivered": True} for s in ("sent", "delivered")]
