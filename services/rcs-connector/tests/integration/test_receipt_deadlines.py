"""Receipts that never come, come late, or come while our webhook is down: real Kafka,
PostgreSQL and the RBM sandbox (which redelivers as RBM does)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from cpaas.connector_kit.deadlines import expiring_sweeper
from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.platform.db import create_pool
from cpaas.rcs_connector.store import RcsStore

if TYPE_CHECKING:  # the fixtures' type, from this folder's conftest
    from conftest import World

SUBMITTED_OPERATOR, DELIVERED, READ, UNDELIVERED = (
    MessageStatus.SUBMITTED_OPERATOR,
    MessageStatus.DELIVERED,
    MessageStatus.READ,
    MessageStatus.UNDELIVERED,
)
DEADLINE_SECONDS = 1.0  # conftest.SHORT_DEADLINE
OUTAGE_SECONDS = 20.0  # longer than the old sandbox's pauses (0.2 + 0.5 + 1 + 2 + 5 + 10 s), then it dropped


def delivered_event(world: World, msisdn: str, provider_message_id: str) -> dict:
    return {
        "senderPhoneNumber": msisdn,
        "eventType": "DELIVERED",
        "eventId": "Mx-late",
        "messageId": provider_message_id,
        "sendTime": "2030-01-01T00:00:00.000000Z",
        "agentId": world.creds["rcsBot"],
    }


async def test_message_never_delivered_ends_undelivered_receipt_expired_after_its_deadline(
    world_with_short_deadline: World,
) -> None:
    world = world_with_short_deadline
    event = world.submit_event("+919876543902")  # accepted, no event ever
    await world.kafka.submit(event)
    submitted = await world.kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    expired = await world.kafka.wait_for(event.message_id, UNDELIVERED)
    assert (expired.occurred_at - submitted.occurred_at).total_seconds() >= DEADLINE_SECONDS
    assert (expired.error_code, expired.error_detail) == (ErrorCode.RECEIPT_EXPIRED, "expired, no receipt within 1 s")
    assert (expired.attempt, expired.carrier_message_id) == (1, submitted.carrier_message_id)
    assert (expired.channel, expired.template_id, expired.campaign_id) == ("RCS", event.template_id, 11)
    await world.kafka.settle(1.0)
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED]
    [row] = await world.rows(
        "SELECT receipt_due_at, receipt_expired_at FROM rcs.sends WHERE message_id = $1", event.message_id
    )
    assert row["receipt_due_at"] is None and row["receipt_expired_at"] is not None


async def test_never_delivered_901_ends_undelivered_too(world_with_short_deadline: World) -> None:
    world = world_with_short_deadline
    event = world.submit_event("+919876543901")  # RBM has no "undelivered" event
    await world.kafka.submit(event)
    expired = await world.kafka.wait_for(event.message_id, UNDELIVERED)
    assert expired.error_code is ErrorCode.RECEIPT_EXPIRED


async def test_a_delivered_event_after_the_expiry_is_still_published_for_the_same_attempt(
    world_with_short_deadline: World,
) -> None:
    world = world_with_short_deadline
    event = world.submit_event("+919876543902")
    await world.kafka.submit(event)
    expired = await world.kafka.wait_for(event.message_id, UNDELIVERED)
    assert expired.carrier_message_id
    response = await world.post_webhook(delivered_event(world, event.recipient, expired.carrier_message_id))
    assert response.status_code == 200
    delivered = await world.kafka.wait_for(event.message_id, DELIVERED)
    assert (delivered.attempt, delivered.carrier_message_id) == (1, expired.carrier_message_id)
    await world.kafka.settle(1.0)  # and it never expires a second time
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, UNDELIVERED, DELIVERED]


async def test_a_delivered_message_never_expires(world_with_short_deadline: World) -> None:
    world = world_with_short_deadline
    event = world.submit_event("+919876543904")  # DELIVERED, then READ
    await world.kafka.submit(event)
    await world.kafka.wait_for(event.message_id, READ)
    await world.kafka.settle(DEADLINE_SECONDS + 1.0)
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED, READ]


async def test_replicas_sweeping_at_once_publish_each_expiry_once(world_with_short_deadline: World) -> None:
    world = world_with_short_deadline
    events = [world.submit_event(f"+91987654{n:02d}902") for n in range(6)]
    for event in events:
        await world.kafka.submit(event)
    for event in events:
        await world.kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)
    await asyncio.sleep(DEADLINE_SECONDS)
    pool = await create_pool(world.pg, schema="rcs", application_name="rcs-connector-replica")
    try:  # three more replicas, each with its own connections, beside the connector's own sweeper
        replicas = [
            expiring_sweeper(RcsStore(pool), world.kafka.publisher, service="rcs-replica", every_seconds=60)
            for _ in range(3)
        ]
        await asyncio.gather(*(r.sweep_once() for r in replicas))
    finally:
        await pool.close()
    for event in events:
        await world.kafka.wait_for(event.message_id, UNDELIVERED)
    await world.kafka.settle(1.0)
    assert [world.kafka.of(e.message_id) for e in events] == [[SUBMITTED_OPERATOR, UNDELIVERED]] * len(events)


async def test_delivered_posted_while_our_webhook_is_down_arrives_once_it_is_back(
    world_with_webhooks_down: World,
) -> None:
    world = world_with_webhooks_down
    event = world.submit_event("+919876543904")  # DELIVERED, then READ
    await world.kafka.submit(event)
    await world.kafka.wait_for(event.message_id, SUBMITTED_OPERATOR)  # the send needs no webhook
    await asyncio.sleep(OUTAGE_SECONDS)  # the sandbox keeps redelivering DELIVERED; READ waits
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR]
    assert world.webhooks_serving is not None
    async with world.webhooks_serving():
        await world.kafka.wait_for(event.message_id, READ)
        await world.kafka.settle(0.5)
    assert world.kafka.of(event.message_id) == [SUBMITTED_OPERATOR, DELIVERED, READ]
