"""Receipts end to end: status events on the real Kafka, rows in the real PostgreSQL, POSTs
to a real HTTP receiver on loopback."""

import asyncio
import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from cpaas.contracts import Channel, ErrorCode, MessageStatus
from cpaas.control_plane import ControlPlane
from cpaas.platform.db import create_pool
from cpaas.platform.logs import configure_logging
from cpaas.platform.migrations import apply_migrations
from cpaas.webhooks.app import MIGRATIONS, SCHEMA, build_dispatcher
from cpaas.webhooks.store import DeliveryStore, NewDelivery

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("transport", ["keepalive", "httpcore"])
async def test_delivered_status_posts_a_signed_receipt_with_the_exact_payload(harness, verify_webhook, transport):
    await harness.set_webhook(harness.receiver.url("/hook"))
    event = harness.status(MessageStatus.DELIVERED, occurred_at=datetime(2025, 3, 6, 14, 30, tzinfo=UTC))
    async with harness.service(http_transport=transport) as app:
        await harness.publish(event)
        await harness.wait_until(lambda: harness.receiver.at("/hook"), "the receipt")
        delivery = await harness.wait_for_delivery("DELIVERED", event_id=event.id)
        async with harness.api(app) as api:
            page = (await api.get(f"/api/v1/webhooks/accounts/{harness.account_id}/deliveries")).json()
            log = (await api.get(f"/api/v1/webhooks/deliveries/{delivery['id']}/attempts")).json()

    [receipt] = harness.receiver.at("/hook")
    assert json.loads(receipt.body) == {
        "messageId": event.data.message_id,
        "recipient": "+919876543210",
        "status": "DELIVERED",
        "channel": "SMS",
        "deliveredAt": "2025-03-06T14:30:00.000Z",
        "eventId": event.id,
    }
    assert receipt.headers["content-type"] == "application/json"
    assert abs(int(receipt.headers["x-cpaas-timestamp"]) - time.time()) < 60
    assert verify_webhook(harness.secret, receipt.headers, receipt.body)
    assert not verify_webhook("whsec_wrong", receipt.headers, receipt.body)
    assert not verify_webhook(harness.secret, receipt.headers, receipt.body + b" ")
    assert not verify_webhook(harness.secret, receipt.headers, receipt.body, now=time.time() + 301)

    assert page["total"] == 1
    [item] = page["items"]
    assert item["messageId"] == event.data.message_id and item["status"] == "DELIVERED"
    assert item["attempts"] == 1 and item["lastStatusCode"] == 200 and item["deliveredAt"] is not None
    assert item["payload"] == json.loads(receipt.body)
    assert [(a["attempt"], a["statusCode"], a["error"]) for a in log["items"]] == [(1, 200, None)]


async def test_failed_status_carries_the_carrier_error_code_and_the_fallback_attempt(harness):
    await harness.set_webhook(harness.receiver.url("/hook"))
    failed = harness.status(
        MessageStatus.UNDELIVERED,
        channel=Channel.WHATSAPP,
        attempt=2,
        error_code=ErrorCode.CARRIER_UNDELIVERABLE,
        carrier_error_code="131026",
    )
    async with harness.service():
        await harness.publish(failed)
        await harness.wait_until(lambda: harness.receiver.at("/hook"), "the receipt")

    assert json.loads(harness.receiver.at("/hook")[0].body) == {
        "messageId": failed.data.message_id,
        "recipient": "+919876543210",
        "status": "UNDELIVERED",
        "channel": "WHATSAPP",
        "deliveredAt": None,
        "errorCode": "131026",
        "attempt": 2,
        "attemptChannel": "WHATSAPP",
        "eventId": failed.id,
    }


async def test_submitted_operator_produces_no_receipt(harness):
    await harness.set_webhook(harness.receiver.url("/hook"))
    message_id = harness.status().data.message_id
    async with harness.service():
        await harness.publish(
            harness.status(MessageStatus.SUBMITTED_OPERATOR, message_id=message_id),
            harness.status(MessageStatus.DELIVERED, message_id=message_id),
        )
        await harness.wait_consumed()
        await harness.wait_for_delivery("DELIVERED", message_id=message_id)

    assert [r["message_status"] for r in await harness.deliveries()] == ["DELIVERED"]
    assert [json.loads(r.body)["status"] for r in harness.receiver.requests] == ["DELIVERED"]


async def test_account_without_webhook_url_gets_nothing(harness):
    async with harness.service() as app:
        await harness.publish(harness.status(MessageStatus.DELIVERED), harness.status(MessageStatus.FAILED))
        await harness.wait_consumed()
        async with harness.api(app) as api:
            page = (await api.get(f"/api/v1/webhooks/accounts/{harness.account_id}/deliveries")).json()

    assert await harness.deliveries() == []
    assert page == {"items": [], "page": 1, "pageSize": 50, "total": 0}
    assert harness.receiver.requests == []


async def test_duplicated_status_events_produce_one_receipt(harness):
    await harness.set_webhook(harness.receiver.url("/hook"))
    event = harness.status(MessageStatus.DELIVERED)
    repeated_dlr = harness.status(MessageStatus.DELIVERED, message_id=event.data.message_id)  # a new event id
    async with harness.service():
        await harness.publish(event, event, repeated_dlr, event)
        await harness.wait_consumed()
        await harness.wait_for_delivery("DELIVERED", message_id=event.data.message_id)

    assert len(await harness.deliveries()) == 1
    assert len(harness.receiver.requests) == 1


async def test_receiver_failing_twice_gets_the_receipt_on_the_third_attempt(harness, verify_webhook):
    harness.receiver.plans["/flaky"] = [500, 503]
    await harness.set_webhook(harness.receiver.url("/flaky"))
    event = harness.status(MessageStatus.READ)
    async with harness.service():
        await harness.publish(event)
        delivery = await harness.wait_for_delivery("DELIVERED", event_id=event.id)
        attempts = await harness.attempts(delivery["id"])

    assert delivery["attempts"] == 3 and delivery["last_status_code"] == 200 and delivery["last_error"] is None
    assert [(a["attempt"], a["status_code"], a["error"]) for a in attempts] == [
        (1, 500, "HTTP 500"),
        (2, 503, "HTTP 503"),
        (3, 200, None),
    ]
    received = harness.receiver.at("/flaky")
    assert len(received) == 3
    assert len({r.body for r in received}) == 1  # every retry sends the same bytes
    assert all(verify_webhook(harness.secret, r.headers, r.body) for r in received)


async def test_retries_survive_a_restart_of_the_service(harness):
    harness.receiver.plans["/flaky"] = [500, 500]
    await harness.set_webhook(harness.receiver.url("/flaky"))
    event = harness.status(MessageStatus.DELIVERED)
    one_second_backoff = {"retry_base_seconds": 1.0, "retry_min_seconds": 1.0, "retry_factor": 1.0}
    async with harness.service(**one_second_backoff):
        await harness.publish(event)
        await harness.wait_until(lambda: harness.receiver.at("/flaky"), "the first attempt")
    assert len(harness.receiver.at("/flaky")) == 1  # stopped before the retry fell due
    [stopped] = await harness.deliveries(event_id=event.id)
    assert stopped["status"] == "PENDING" and stopped["attempts"] == 1
    assert [a["status_code"] for a in await harness.attempts(stopped["id"])] == [500]

    restarted_at = datetime.now(UTC)
    async with harness.service(**one_second_backoff):
        delivery = await harness.wait_for_delivery("DELIVERED", event_id=event.id)
        attempts = await harness.attempts(delivery["id"])

    assert [(a["attempt"], a["status_code"]) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert all(a["started_at"] > restarted_at for a in attempts[1:])
    assert len(harness.receiver.at("/flaky")) == 3


async def test_private_destination_is_refused_without_being_contacted(harness):
    await harness.set_webhook("http://10.0.0.5/hook")
    event = harness.status(MessageStatus.DELIVERED)
    async with harness.service(request_timeout_seconds=30, claim_lease_seconds=300):
        await harness.publish(event)
        delivery = await harness.wait_for_delivery("FAILED", event_id=event.id)
        attempts = await harness.attempts(delivery["id"])

    assert delivery["last_error"] == "destination not allowed"
    assert delivery["attempts"] == 1 and delivery["last_status_code"] is None
    [attempt] = attempts
    assert attempt["error"] == "destination not allowed" and attempt["status_code"] is None
    assert attempt["duration_ms"] < 1000  # refused before any connection (30 s timeout otherwise)


@pytest.mark.parametrize("spelling", ["0x7f.1", "2130706433", "127.1", "[::ffff:127.0.0.1]"])
async def test_loopback_in_another_spelling_is_refused_when_loopback_is_not_allowed(harness, spelling):
    port = harness.receiver.base_url.rsplit(":", 1)[1]
    await harness.set_webhook(f"http://{spelling}:{port}/hook")
    event = harness.status(MessageStatus.DELIVERED)
    async with harness.service(allow_loopback=False):
        await harness.publish(event)
        delivery = await harness.wait_for_delivery("FAILED", event_id=event.id)

    assert delivery["last_error"] == "destination not allowed" and delivery["attempts"] == 1
    assert harness.receiver.requests == []  # the receiver listening there was never contacted


async def test_slow_receiver_of_one_account_does_not_delay_another(harness):
    harness.receiver.delays["/slow"] = 3.0
    await harness.set_webhook(harness.receiver.url("/slow"))
    other = await harness.create_account("Other", harness.receiver.url("/fast"), "whsec_other")
    async with harness.service(per_account_concurrency=2, request_timeout_seconds=10):
        await harness.publish(harness.status(account_id=other))  # the consumer is up once this arrives
        await harness.wait_until(lambda: harness.receiver.at("/fast"), "the warm-up receipt")

        await harness.publish(*(harness.status() for _ in range(6)))
        await harness.wait_until(lambda: harness.receiver.at("/slow"), "the slow receiver's first request")
        published = time.monotonic()
        await harness.publish(harness.status(account_id=other))
        await harness.wait_until(lambda: len(harness.receiver.at("/fast")) == 2, "the other account's receipt")
        waited = time.monotonic() - published
        slow_answered = [r.completed for r in harness.receiver.at("/slow")]

    assert waited < 1.5
    assert slow_answered in ([False], [False, False])  # at its concurrency limit, none answered yet
    # shutdown let the two POSTs in flight finish and handed the four claimed-ahead back, due at once
    slow_rows = await harness.deliveries(account_id=harness.account_id)
    assert sorted((r["status"], r["attempts"]) for r in slow_rows) == [("DELIVERED", 1)] * 2 + [("PENDING", 0)] * 4
    assert all(r["next_attempt_at"] <= datetime.now(UTC) for r in slow_rows if r["status"] == "PENDING")


async def test_delivery_log_requires_the_service_token(harness):
    async with harness.service() as app:
        async with harness.api(app, token=None) as api:
            missing = await api.get(f"/api/v1/webhooks/accounts/{harness.account_id}/deliveries")
        async with harness.api(app, token="wrong") as api:
            wrong = await api.get("/api/v1/webhooks/deliveries/1/attempts")
        async with harness.api(app) as api:
            unknown = await api.get("/api/v1/webhooks/deliveries/999/attempts")

    assert missing.status_code == 401 and missing.json()["error"]["code"] == "UNAUTHORIZED"
    assert wrong.status_code == 401
    assert unknown.status_code == 404


async def test_receipt_not_accepted_within_the_give_up_window_is_failed(harness):
    harness.receiver.plans["/down"] = [500] * 1000
    await harness.set_webhook(harness.receiver.url("/down"))
    event = harness.status(MessageStatus.FAILED, error_code=ErrorCode.CARRIER_EXPIRED)
    async with harness.service(give_up_after_seconds=1.0):
        await harness.publish(event)
        delivery = await harness.wait_for_delivery("FAILED", event_id=event.id)
        attempts = await harness.attempts(delivery["id"])

    assert delivery["last_status_code"] == 500 and delivery["last_error"] == "HTTP 500"
    assert len(attempts) == delivery["attempts"] >= 2
    assert attempts[-1]["started_at"] - delivery["created_at"] >= timedelta(seconds=1)  # a last try at the deadline


async def test_a_changed_webhook_url_applies_to_the_next_receipt_at_once(harness):
    await harness.set_webhook(harness.receiver.url("/old"))
    async with harness.service(account_cache_ttl_seconds=3600):
        await harness.publish(harness.status())
        await harness.wait_until(lambda: harness.receiver.at("/old"), "the receipt at the old URL")
        await harness.set_webhook(harness.receiver.url("/new"))  # the console's trigger NOTIFYs the change
        await asyncio.sleep(0.2)
        await harness.publish(harness.status())
        await harness.wait_until(lambda: harness.receiver.at("/new"), "the receipt at the new URL")

    assert len(harness.receiver.at("/old")) == 1


async def test_logs_name_the_message_and_account_but_never_the_secret(harness, capsys):
    harness.receiver.plans["/flaky"] = [500]
    await harness.set_webhook(harness.receiver.url("/flaky"))
    event = harness.status()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("webhooks", "INFO")  # the service's JSON lines, to the captured stdout
    try:
        async with harness.service():
            await harness.publish(event)
            await harness.wait_for_delivery("DELIVERED", event_id=event.id)
    finally:
        root.handlers[:], root.level = handlers, level

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [retry] = [line for line in lines if line["message"].startswith("webhook attempt failed")]
    assert (retry["message_id"], retry["account_id"], retry["status_code"]) == (
        event.data.message_id,
        harness.account_id,
        500,
    )
    assert retry["service"] == "webhooks" and retry["error"] == "HTTP 500"
    assert not any(harness.secret in json.dumps(line) for line in lines)


async def test_a_level_that_fails_before_a_fallback_sends_no_receipt_only_the_outcome_does(harness):
    """The guide's FAILED means every channel failed: the customer hears of the level that
    delivered, or of the last one failing, not of a level the router is about to retry."""
    from pathlib import Path

    import cpaas.router
    from cpaas.platform.db import create_pool
    from cpaas.platform.migrations import apply_migrations

    await harness.set_webhook(harness.receiver.url("/hook"))
    pool = await create_pool(harness.settings.postgres, schema="router", application_name="test")
    try:
        await apply_migrations(pool, "router", Path(cpaas.router.__file__).parent / "migrations")
    finally:
        await pool.close()
    told, chained = harness.status().data.message_id, harness.status().data.message_id
    levels = '[{"channel": "RCS"}, {"channel": "WHATSAPP"}, {"channel": "SMS"}]'
    await harness.db.execute(
        "INSERT INTO router.chains (message_id, account_id, recipient, levels, current_attempt, state)"
        " VALUES ($1, $2, '+919876543210', $3::jsonb, 1, 'ACTIVE')",
        chained,
        harness.account_id,
        levels,
    )
    async with harness.service():
        await harness.publish(
            # the connector knew a level follows (its send failed at once)
            harness.status(MessageStatus.FAILED, message_id=told, channel=Channel.RCS, fallback_remaining=1),
            harness.status(MessageStatus.DELIVERED, message_id=told, channel=Channel.SMS, attempt=2),
            # a late receipt: the router's chain says how many levels there are
            harness.status(MessageStatus.UNDELIVERED, message_id=chained, channel=Channel.RCS, attempt=1),
            harness.status(MessageStatus.FAILED, message_id=chained, channel=Channel.WHATSAPP, attempt=2),
            harness.status(MessageStatus.UNDELIVERED, message_id=chained, channel=Channel.SMS, attempt=3),
        )
        await harness.wait_until(lambda: len(harness.receiver.at("/hook")) >= 2, "the receipts")
        await harness.wait_consumed()

    received = sorted(
        (json.loads(r.body)["messageId"], json.loads(r.body)["status"]) for r in harness.receiver.at("/hook")
    )
    assert received == sorted([(told, "DELIVERED"), (chained, "UNDELIVERED")])
    attempts = {(r["message_id"], r["message_attempt"]) for r in await harness.deliveries()}
    assert attempts == {(told, 2), (chained, 3)}


async def test_receipts_claimed_by_a_crashed_dispatcher_are_posted_again_within_seconds(harness):
    """kill -9 of a dispatcher with POSTs in flight: the next one repeats them once the dead
    one's heartbeat is instance_timeout_seconds old (5 s), not after the 60 s claim lease."""
    settings = harness.settings
    assert settings.claim_lease_seconds == 60 and settings.instance_timeout_seconds == 5
    harness.receiver.delays["/hook"] = 30.0  # the first POSTs hang until the dispatcher dies
    await harness.set_webhook(harness.receiver.url("/hook"))
    pool = await create_pool(settings.postgres, schema=SCHEMA, application_name="test")
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        store = DeliveryStore(pool)
        queued = [
            NewDelivery(f"evt-{n}", harness.account_id, f"msg-{n}", 1, "DELIVERED", harness.receiver.url("/hook"), "{}")
            for n in range(5)
        ]
        await store.insert(queued)
        crashed = build_dispatcher(settings, store, ControlPlane(pool, ttl_seconds=60))
        await crashed.start()
        await harness.wait_until(lambda: len(harness.receiver.at("/hook")) == 5, "the 5 POSTs in flight")
        # kill -9: no result recorded, nothing handed back, the heartbeat simply stops
        for task in (crashed._heartbeat, crashed._loop, *crashed._tasks):
            task.cancel()
        await asyncio.gather(crashed._heartbeat, crashed._loop, *crashed._tasks, return_exceptions=True)
        crashed_at = time.monotonic()
        del harness.receiver.delays["/hook"]

        successor = build_dispatcher(settings, store, ControlPlane(pool, ttl_seconds=60))
        await successor.start()
        try:
            await harness.wait_until(lambda: len(harness.receiver.at("/hook")) == 10, "the 5 POSTs again", 20)
            repeated_after = harness.receiver.requests[-1].at - crashed_at
            for event in queued:
                await harness.wait_for_delivery("DELIVERED", event_id=event.event_id)
        finally:
            await successor.stop(grace_seconds=5)
    finally:
        await pool.close()
    assert repeated_after < 8, f"repeated {repeated_after:.1f} s after the crash"
    rows = await harness.deliveries(account_id=harness.account_id)
    assert [(r["attempts"], r["claimed_by"]) for r in rows] == [(2, None)] * 5
    assert await harness.db.fetchval("SELECT count(*) FROM webhooks.dispatchers") == 1  # the dead one forgotten


async def test_a_clean_shutdown_leaves_nothing_for_the_claim_lease(harness):
    harness.receiver.delays["/hook"] = 30.0  # still hanging when the grace period ends
    await harness.set_webhook(harness.receiver.url("/hook"))
    event = harness.status(MessageStatus.DELIVERED)
    async with harness.service(shutdown_grace_seconds=0.5):
        await harness.publish(event)
        await harness.wait_until(lambda: harness.receiver.at("/hook"), "the POST in flight")
    stopped_at = time.monotonic()
    del harness.receiver.delays["/hook"]
    async with harness.service():
        await harness.wait_for_delivery("DELIVERED", event_id=event.id)
    assert time.monotonic() - stopped_at < 8  # the cut-off POST was due at once, not after 60 s


async def test_sealed_secrets_sign_and_a_rotated_out_one_signs_too_during_its_grace(harness, verify_webhook):
    """The console stores secrets sealed; after a rotation, receipts carry a signature by the new
    secret and by the old one until the grace period ends, then by the new one alone."""
    from cpaas.platform.secretbox import SecretBox

    box = SecretBox(harness.settings.secrets_key)
    url = harness.receiver.url("/rotated")
    account = await harness.create_account("Rotated", url, box.seal("whsec_new"))
    await harness.db.execute(
        "UPDATE console.accounts SET webhook_secret_previous = $2, webhook_secret_previous_until = now() + interval"
        " '1 hour' WHERE id = $1",
        account,
        box.seal("whsec_old"),
    )
    async with harness.service():
        await harness.publish(harness.status(account_id=account))
        await harness.wait_until(lambda: harness.receiver.at("/rotated"), "the receipt during the grace period")
        [during] = harness.receiver.at("/rotated")
        assert during.headers["x-cpaas-signature"].count("v1=") == 2
        assert verify_webhook("whsec_new", during.headers, during.body)
        assert verify_webhook("whsec_old", during.headers, during.body)
        assert "enc:v1:" not in during.headers["x-cpaas-signature"]

        await harness.db.execute(  # the grace period ends (NOTIFY evicts the cached account)
            "UPDATE console.accounts SET webhook_secret_previous_until = now() - interval '1 second' WHERE id = $1",
            account,
        )
        await asyncio.sleep(0.3)
        await harness.publish(harness.status(account_id=account))
        await harness.wait_until(lambda: len(harness.receiver.at("/rotated")) == 2, "the receipt after the grace")
        after = harness.receiver.at("/rotated")[1]
        assert after.headers["x-cpaas-signature"].count("v1=") == 1
        assert verify_webhook("whsec_new", after.headers, after.body)
        assert not verify_webhook("whsec_old", after.headers, after.body)
