"""Sending: paced publishing with derived ids, quiet hours, the estimate at start, the
balance running out, pause / resume / cancel, a scheduled start, and the delivery
counts from msg.status."""

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cpaas.campaigns.domain.ids import campaign_message_id, parse_campaign_message_id
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher, make_broker

from .conftest import Submits, World, csv_of

IST = ZoneInfo("Asia/Kolkata")


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+9198{700000 + start + i:06d}00"[:13] for i in range(count)]


def rows(count: int, start: int = 0) -> list[str]:
    return [f"{n},{i},{i % 9 + 1}" for i, n in enumerate(numbers(count, start))]


async def test_rows_are_published_once_each_with_derived_ids_at_the_campaign_pace(
    world: World, service, submits: Submits
) -> None:
    async with service(campaign_rate_per_second=100, account_rate_per_second=1000) as svc:
        created = await svc.create(world.sms_form("paced"), csv_of(rows(300)))
        campaign_id = created.json()["id"]
        started = await svc.until(campaign_id, lambda c: c["status"] == "PROCESSING", "started")
        began = time.monotonic()
        done = await svc.until(campaign_id, lambda c: c["status"] == "COMPLETED", "completed")
        elapsed = time.monotonic() - began
    events = await submits.until(300)
    assert started["startedAt"] is not None
    assert (done["sent"], done["processed"], done["progress"]) == (300, 300, 1.0)
    assert len({e["messageId"] for e in events}) == 300
    assert elapsed >= 2.0  # 300 rows at 100 a second (a half-second burst at most)
    first = events[0]
    assert first["campaignId"] == campaign_id and first["senderId"] == world.creds["senderId"]
    time_ms, cid, row = parse_campaign_message_id(first["messageId"])
    assert (cid, row) == (campaign_id, 1) and first["variables"] == {"1": "0", "2": "1"}
    assert abs(time_ms / 1000 - datetime.fromisoformat(started["startedAt"]).timestamp()) < 5  # the start time
    recipients = sorted(e["recipient"] for e in events)
    assert recipients == sorted(numbers(300))


async def test_promotional_campaigns_wait_for_the_end_of_quiet_hours_and_then_send(
    world: World, service, submits: Submits
) -> None:
    world.clock.at = datetime(2025, 10, 20, 22, 30, tzinfo=IST)
    async with service() as svc:
        created = await svc.create(
            world.sms_form("night_promo", templateId=str(world.promo_template_id)), csv_of(rows(5))
        )
        campaign_id = created.json()["id"]
        waiting = await svc.until(campaign_id, lambda c: (c["statusReason"] or "").startswith("quiet hours"), "waits")
        assert waiting["status"] == "QUEUED" and waiting["sent"] == 0
        assert "resumes at 2025-10-21 09:00 Asia/Kolkata" in waiting["statusReason"]
        assert datetime.fromisoformat(waiting["waitingUntil"]) == datetime(2025, 10, 21, 9, 0, tzinfo=IST)
        await asyncio.sleep(0.5)
        await submits.poll(0.3)
        assert submits.events == []
        world.clock.at = datetime(2025, 10, 21, 9, 0, 1, tzinfo=IST)
        done = await svc.until(campaign_id, lambda c: c["status"] == "COMPLETED", "sent at 09:00")
    assert done["statusReason"] is None and done["sent"] == 5
    assert len(await submits.until(5)) == 5


async def test_a_campaign_costing_more_than_the_balance_is_refused_at_start_with_the_estimate(
    world: World, service, submits: Submits
) -> None:
    await world.set_balance(100)  # 1.00 INR; 5 SMS of 1 segment at 0.25 cost 1.25
    async with service() as svc:
        created = await svc.create(world.sms_form("too_dear"), csv_of(rows(5)))
        campaign_id = created.json()["id"]
        paused = await svc.until(campaign_id, lambda c: c["status"] == "PAUSED", "refused at start")
        assert paused["pauseCode"] == "INSUFFICIENT_BALANCE" and paused["estimatedUnits"] == 5
        assert paused["statusReason"] == (
            "estimated cost 1.25 INR (5 x SMS_SEGMENT at 0.25 INR) exceeds the balance 1.00 INR; add credit, then resume"
        )
        refused = await svc.act(campaign_id, "resume")
        assert refused.status_code == 402 and refused.json()["error"]["code"] == "INSUFFICIENT_BALANCE"
        await world.set_balance(10_000)
        resumed = await svc.act(campaign_id, "resume")
        assert resumed.status_code == 200 and resumed.json()["status"] == "QUEUED"
        await svc.until(campaign_id, lambda c: c["status"] == "COMPLETED", "completed after credit")
    assert len(await submits.until(5)) == 5


async def test_a_balance_running_out_midway_pauses_the_campaign_and_resume_goes_on(
    world: World, service, submits: Submits
) -> None:
    async with service(campaign_rate_per_second=20) as svc:
        created = await svc.create(world.sms_form("runs_dry"), csv_of(rows(200)))
        campaign_id = created.json()["id"]
        await svc.until(campaign_id, lambda c: c["sent"] >= 10, "sending")
        await world.set_balance(0)
        paused = await svc.until(campaign_id, lambda c: c["status"] == "PAUSED", "paused when the balance ran out")
        assert paused["pauseCode"] == "INSUFFICIENT_BALANCE"
        assert paused["statusReason"].startswith("the balance ran out after")
        sent_then = paused["sent"]
        await asyncio.sleep(0.5)
        assert (await svc.campaign(campaign_id))["sent"] == sent_then
        await world.set_balance(100_000)
        assert (await svc.act(campaign_id, "resume")).status_code == 200
        done = await svc.until(campaign_id, lambda c: c["status"] == "COMPLETED", "completed")
    assert done["sent"] == 200
    assert len({e["messageId"] for e in await submits.until(200)}) == 200


async def test_pause_stops_sending_resume_goes_on_and_cancel_ends_it(world: World, service, submits: Submits) -> None:
    async with service(campaign_rate_per_second=20) as svc:
        created = await svc.create(world.sms_form("pausable"), csv_of(rows(400)))
        campaign_id = created.json()["id"]
        await svc.until(campaign_id, lambda c: c["sent"] > 0, "sending")
        paused = await svc.act(campaign_id, "pause")
        assert paused.status_code == 200 and paused.json()["status"] == "PAUSED"
        assert paused.json()["pauseCode"] == "BY_USER"
        await asyncio.sleep(0.3)  # a batch in flight is still recorded
        held = (await svc.campaign(campaign_id))["sent"]
        await asyncio.sleep(0.5)
        assert (await svc.campaign(campaign_id))["sent"] == held
        again = await svc.act(campaign_id, "pause")
        assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"
        assert (await svc.act(campaign_id, "resume")).status_code == 200
        await svc.until(campaign_id, lambda c: c["sent"] > held, "sending again")
        cancelled = await svc.act(campaign_id, "cancel")
        assert cancelled.json()["status"] == "CANCELLED"
        await asyncio.sleep(0.3)
        final = (await svc.campaign(campaign_id))["sent"]
        await asyncio.sleep(0.5)
        assert (await svc.campaign(campaign_id))["sent"] == final < 400
        assert (await svc.act(campaign_id, "resume")).status_code == 409
    events = await submits.until(final)
    await submits.poll(0.5)
    assert len({e["messageId"] for e in events}) == len(submits.events) == final


async def test_a_scheduled_campaign_waits_for_its_time_in_the_account_time_zone(
    world: World, service, submits: Submits
) -> None:
    now = datetime.now(UTC)
    world.clock.at = now
    local = (now + timedelta(hours=2)).astimezone(IST).replace(tzinfo=None, microsecond=0)
    async with service() as svc:
        created = await svc.create(world.sms_form("later", scheduledAt=local.isoformat()), csv_of(rows(3)))
        assert created.status_code == 201, created.text
        campaign_id = created.json()["id"]
        assert datetime.fromisoformat(created.json()["scheduledAt"]) == local.replace(tzinfo=IST)
        waiting = await svc.until(campaign_id, lambda c: c["status"] == "QUEUED", "validated")
        assert waiting["statusReason"] == f"scheduled to start at {local:%Y-%m-%d %H:%M} Asia/Kolkata"
        await asyncio.sleep(0.4)
        assert (await svc.campaign(campaign_id))["status"] == "QUEUED"
        world.clock.at = now + timedelta(hours=2, minutes=1)
        await svc.until(campaign_id, lambda c: c["status"] == "COMPLETED", "started at its time")
    assert len(await submits.until(3)) == 3


async def test_an_offset_less_start_is_read_in_the_accounts_own_time_zone(world: World, service) -> None:
    await world.sql("UPDATE console.accounts SET time_zone = 'Europe/London' WHERE id = $1", world.account_id)
    london = ZoneInfo("Europe/London")
    now = datetime.now(UTC)
    world.clock.at = now
    local = (now + timedelta(hours=2)).astimezone(london).replace(tzinfo=None, microsecond=0)
    try:
        async with service() as svc:
            created = await svc.create(world.sms_form("london", scheduledAt=local.isoformat()), csv_of(rows(2)))
            assert created.status_code == 201, created.text
            assert datetime.fromisoformat(created.json()["scheduledAt"]) == local.replace(tzinfo=london)
            waiting = await svc.until(created.json()["id"], lambda c: c["status"] == "QUEUED", "validated")
            assert waiting["statusReason"] == f"scheduled to start at {local:%Y-%m-%d %H:%M} Europe/London"
    finally:
        await world.sql("UPDATE console.accounts SET time_zone = 'Asia/Kolkata' WHERE id = $1", world.account_id)


async def test_delivery_counts_come_from_the_status_stream_each_message_once(world: World, service) -> None:
    broker = make_broker(world.kafka, client_id="test")
    await broker.start()
    publisher = EventPublisher(broker, world.kafka, source="test")

    def status(message_id: str, state: MessageStatus, *, attempt: int = 1, error: str | None = None, left=None):
        return MessageStatusChangedV1(
            message_id=message_id,
            account_id=world.account_id,
            channel=Channel.SMS,
            attempt=attempt,
            status=state,
            recipient="+919876543210",
            occurred_at=datetime.now(UTC),
            error_code=error,
            fallback_remaining=left,
        )

    try:
        async with service() as svc:
            created = await svc.create(world.sms_form("counted"), csv_of(rows(4)))
            campaign_id = created.json()["id"]
            await svc.until(campaign_id, lambda c: c["status"] == "COMPLETED", "sent")
            time_ms = (await world.sql("SELECT id_time_ms FROM campaigns.campaigns"))[0]["id_time_ms"]
            ids = [campaign_message_id(time_ms, campaign_id, row) for row in (1, 2, 3, 4)]
            events = [
                status(ids[0], MessageStatus.SUBMITTED_OPERATOR),
                status(ids[0], MessageStatus.DELIVERED),
                status(ids[0], MessageStatus.DELIVERED),  # a repeat: counts once
                status(ids[1], MessageStatus.UNDELIVERED, left=0),
                status(ids[2], MessageStatus.UNDELIVERED, error="RECEIPT_EXPIRED", left=0),
                status(ids[2], MessageStatus.DELIVERED),  # a late receipt corrects the expiry
                status(ids[3], MessageStatus.READ),
                status(campaign_message_id(time_ms, campaign_id + 50, 1), MessageStatus.DELIVERED),  # no such campaign
            ]
            for event in events:
                await publisher.publish(MSG_STATUS.name, event, subject=event.message_id)
            counted = await svc.until(campaign_id, lambda c: c["delivered"] + c["undelivered"] == 4, "outcomes counted")
            await asyncio.sleep(0.5)
            counted = await svc.campaign(campaign_id)
        assert (counted["delivered"], counted["undelivered"], counted["failed"]) == (3, 1, 1)
    finally:
        await broker.stop()


async def test_each_fallback_level_takes_its_own_columns_after_the_primarys(
    world: World, service, submits: Submits
) -> None:
    """Issue 20, point 1: an SMS (otp_alert: 2 variables) with a WhatsApp fallback
    (order_update: 2 variables) reads columns 2-3 for the SMS and 4-5 for WhatsApp; a row
    with only the primary's columns is refused by the file check."""
    fallback = f'[{{"channel": "WHATSAPP", "templateId": {world.creds["templates"]["WHATSAPP"]}}}]'
    good, short = numbers(2, start=500)
    async with service() as svc:
        created = await svc.create(
            world.sms_form("own_columns", fallback=fallback), csv_of([f"{good},482913,10,Asha,A-1042", f"{short},1,2"])
        )
        assert created.status_code == 201, created.text
        campaign_id = created.json()["id"]
        assert created.json()["fallback"][0]["variableCount"] == 2
        done = await svc.until(campaign_id, lambda c: c["status"] == "COMPLETED", "completed")
        detail = await svc.campaign(campaign_id)
    assert (done["sent"], done["rejected"]) == (1, 1)
    [rejected] = detail["rejectedRows"]
    assert rejected["code"] == "WRONG_VARIABLE_COUNT" and "need 4 variable column(s)" in rejected["reason"]
    [event] = await submits.until(1)
    assert event["recipient"] == good and event["variables"] == {"1": "482913", "2": "10"}
    assert [(f["channel"], f["variables"]) for f in event["fallback"]] == [("WHATSAPP", {"1": "Asha", "2": "A-1042"})]


async def test_a_fallback_level_with_variables_in_the_form_is_refused(world: World, service) -> None:
    level = {"channel": "WHATSAPP", "templateId": world.creds["templates"]["WHATSAPP"], "variables": ["Asha", "A-1"]}
    async with service() as svc:
        created = await svc.create(world.sms_form("form_variables", fallback=json.dumps([level])), csv_of(rows(1)))
    assert created.status_code == 422, created.text
    assert created.json()["error"]["field"] == "fallback[0].variables"
