"""Charging from msg.status: when an attempt is charged, at what price, exactly once."""

import json

from cpaas.contracts import Channel
from cpaas.contracts import MessageStatus as S
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import BILLING_CHARGED, MSG_STATUS


async def test_delivered_sms_is_charged_its_segments_once_when_events_come_twice(harness) -> None:
    message_id = new_message_id()
    submitted = harness.encoded(harness.status(message_id, S.SUBMITTED_OPERATOR, segments=3))
    delivered = harness.encoded(harness.status(message_id, S.DELIVERED, segments=3))
    async with harness.service():
        for value in (submitted, submitted, delivered, delivered):  # each one redelivered as is
            await harness.publish_raw(value, message_id)
        [charge] = await harness.wait_for_charges(message_id, 1)
        await harness.wait_consumed()
        await harness.publish_raw(submitted, message_id)  # and once more, in a later batch
        await harness.wait_consumed()
        assert len(await harness.charges(message_id)) == 1
    assert (charge["channel"], charge["price_code"], charge["units"]) == ("SMS", "SMS_SEGMENT", 3)
    assert (charge["unit_price_minor"], charge["amount_minor"], charge["balance_after_minor"]) == (25, -75, -75)
    assert await harness.balance() == -75


async def test_whatsapp_marketing_template_is_charged_mic(harness) -> None:
    template_id = await harness.add_template("diwali_sale", "WHATSAPP", "MARKETING")
    message_id = new_message_id()
    async with harness.service():
        await harness.publish(
            harness.status(message_id, S.SUBMITTED_OPERATOR, channel=Channel.WHATSAPP, template_id=template_id)
        )
        [charge] = await harness.wait_for_charges(message_id, 1)
    assert (charge["price_code"], charge["units"], charge["amount_minor"]) == ("WA_MIC", 1, -80)


async def test_whatsapp_authentication_to_a_foreign_number_is_charged_auth_int(harness) -> None:
    template_id = await harness.add_template("login_code", "WHATSAPP", "AUTHENTICATION")
    abroad, at_home = new_message_id(), new_message_id()
    async with harness.service():
        await harness.publish(
            harness.status(
                abroad,
                S.SUBMITTED_OPERATOR,
                channel=Channel.WHATSAPP,
                template_id=template_id,
                recipient="+14155550123",
            ),
            harness.status(at_home, S.SUBMITTED_OPERATOR, channel=Channel.WHATSAPP, template_id=template_id),
        )
        [international] = await harness.wait_for_charges(abroad, 1)
        [domestic] = await harness.wait_for_charges(at_home, 1)
    assert (international["price_code"], international["amount_minor"]) == ("WA_AUTH_INT", -120)
    assert (domestic["price_code"], domestic["amount_minor"]) == ("WA_AUTH", -15)


async def test_each_fallback_attempt_that_reached_a_carrier_is_charged_on_its_own_channel(harness) -> None:
    templates = harness.creds["templates"]
    message_id = new_message_id()
    async with harness.service():
        await harness.publish(
            harness.status(message_id, S.SUBMITTED_OPERATOR, channel=Channel.RCS, template_id=templates["RCS"]),
            harness.status(message_id, S.UNDELIVERED, channel=Channel.RCS, template_id=templates["RCS"]),
            harness.status(
                message_id, S.SUBMITTED_OPERATOR, channel=Channel.WHATSAPP, attempt=2, template_id=templates["WHATSAPP"]
            ),
            harness.status(
                message_id, S.FAILED, channel=Channel.WHATSAPP, attempt=2, template_id=templates["WHATSAPP"]
            ),
            harness.status(message_id, S.SUBMITTED_OPERATOR, attempt=3, template_id=templates["SMS"], segments=1),
            harness.status(message_id, S.DELIVERED, attempt=3, template_id=templates["SMS"], segments=1),
        )
        charges = await harness.wait_for_charges(message_id, 3)
        await harness.wait_consumed()
    assert [(c["attempt"], c["channel"], c["price_code"], c["amount_minor"]) for c in charges] == [
        (1, "RCS", "RCS_TEXT", -20),
        (2, "WHATSAPP", "WA_UIC", -35),  # the demo WhatsApp template is UTILITY
        (3, "SMS", "SMS_SEGMENT", -25),
    ]
    # the RCS attempt ended UNDELIVERED, the WhatsApp one FAILED: their providers bill only
    # what was delivered, so both charges were refunded; the SMS one stays (issue 20.3)
    assert await harness.balance() == -25


async def test_rcs_is_charged_by_message_type(harness) -> None:
    templates = harness.creds["templates"]
    card, carousel = new_message_id(), new_message_id()
    async with harness.service():
        await harness.publish(
            harness.status(card, S.SUBMITTED_OPERATOR, channel=Channel.RCS, template_id=templates["RCS_RICH_CARD"]),
            harness.status(carousel, S.SUBMITTED_OPERATOR, channel=Channel.RCS, template_id=templates["RCS_CAROUSEL"]),
        )
        [card_charge] = await harness.wait_for_charges(card, 1)
        [carousel_charge] = await harness.wait_for_charges(carousel, 1)
    assert (card_charge["price_code"], card_charge["amount_minor"]) == ("RCS_RICH_CARD", -40)
    assert (carousel_charge["price_code"], carousel_charge["amount_minor"]) == ("RCS_CAROUSEL", -60)


async def test_refused_submit_is_free(harness) -> None:
    refused, sent = new_message_id(), new_message_id()
    async with harness.service():
        await harness.publish(
            harness.status(refused, S.FAILED, error_code="CARRIER_REJECTED"),
            harness.status(sent, S.SUBMITTED_OPERATOR, channel=Channel.VOICE),
        )
        await harness.wait_for_charges(sent, 1)
        await harness.wait_consumed()
    assert await harness.charges(refused) == []
    assert await harness.balance() == -100  # the voice call only


async def test_delivered_without_a_seen_submit_is_charged_once(harness) -> None:
    message_id = new_message_id()
    async with harness.service():
        await harness.publish(
            harness.status(message_id, S.DELIVERED, channel=Channel.VOICE),
            harness.status(message_id, S.READ, channel=Channel.VOICE),
        )
        [charge] = await harness.wait_for_charges(message_id, 1)
        await harness.wait_consumed()
    assert (charge["price_code"], charge["amount_minor"]) == ("VOICE_CALL", -100)
    assert await harness.balance() == -100


async def test_poison_record_goes_to_the_dlq_and_the_rest_of_its_batch_is_charged(harness) -> None:
    first, second = new_message_id(), new_message_id()
    # published before the service starts, so that its first poll takes them as one batch
    await harness.publish(harness.status(first, S.SUBMITTED_OPERATOR))
    await harness.publish_raw(b"{not json", first)
    await harness.publish_raw(json.dumps({"specversion": "1.0", "data": {"status": "DELIVERED"}}).encode(), second)
    await harness.publish(harness.status(second, S.SUBMITTED_OPERATOR, segments=2))
    async with harness.service():
        await harness.wait_for_charges(first, 1)
        await harness.wait_for_charges(second, 1)
        dead = await harness.read(MSG_STATUS.dlq, 2)
    assert sorted(r.key.decode() for r in dead) == sorted([first, second])
    assert b"{not json" in [r.value for r in dead]
    assert all(dict(r.headers)["x-dlq-error"].startswith(b"PoisonRecord") for r in dead)
    assert await harness.balance() == -75


async def test_charged_events_carry_the_cost_and_the_balance_after(harness) -> None:
    other_account = harness.account_id + 1000
    messages = [new_message_id() for _ in range(4)]
    async with harness.service() as api:
        await api.post(
            f"/api/v1/billing/accounts/{harness.account_id}/adjustments",
            json={"amountMinor": 1000, "reason": "opening"},
            headers={"X-Service-Token": "local-dev-service-token"},
        )
        await harness.publish(
            harness.status(messages[0], S.SUBMITTED_OPERATOR),
            harness.status(messages[1], S.SUBMITTED_OPERATOR, account_id=other_account),
            harness.status(messages[2], S.SUBMITTED_OPERATOR, segments=2),
            harness.status(messages[3], S.SUBMITTED_OPERATOR, channel=Channel.VOICE, account_id=other_account),
        )
        records = await harness.read(BILLING_CHARGED.name, 4)
    events = {r.key.decode(): json.loads(r.value) for r in records}
    assert events.keys() == set(messages)
    first = events[messages[0]]
    assert first["type"] == "cpaas.billing.charged.v1" and first["subject"] == messages[0]
    data = {m: events[m]["data"] for m in messages}
    assert (data[messages[0]]["priceCode"], data[messages[0]]["amountMinor"]) == ("SMS_SEGMENT", 25)
    assert (data[messages[0]]["currency"], data[messages[0]]["units"]) == ("INR", 1)
    assert (data[messages[2]]["units"], data[messages[2]]["amountMinor"]) == (2, 50)
    assert (data[messages[3]]["priceCode"], data[messages[3]]["amountMinor"]) == ("VOICE_CALL", 100)
    # each account's charges, in whichever order they were applied, form one running balance
    assert running_balance_holds(1000, [data[messages[0]], data[messages[2]]]) == 925
    assert running_balance_holds(0, [data[messages[1]], data[messages[3]]]) == -125
    assert await harness.balance() == 925 and await harness.balance(other_account) == -125


async def test_a_redelivered_charging_event_publishes_its_charge_again(harness) -> None:
    """A crash between the ledger commit and the publish: the redelivery finds the entry
    and publishes MessageChargedV1 again, still charging once."""
    message_id = new_message_id()
    submitted = harness.encoded(harness.status(message_id, S.SUBMITTED_OPERATOR))
    async with harness.service():
        await harness.publish_raw(submitted, message_id)
        await harness.wait_for_charges(message_id, 1)
        await harness.wait_consumed()
        await harness.publish_raw(submitted, message_id)
        await harness.publish(harness.status(message_id, S.DELIVERED))  # another event: charged already, no event
        records = await harness.read(BILLING_CHARGED.name, 2)
        await harness.wait_consumed()
        assert await harness.record_count(BILLING_CHARGED.name) == 2
    assert [json.loads(r.value)["data"]["balanceAfterMinor"] for r in records] == [-25, -25]
    assert len(await harness.charges(message_id)) == 1
    assert await harness.balance() == -25


def running_balance_holds(opening: int, charges: list[dict]) -> int:
    """The balance after the last charge, once each charge's balanceAfterMinor is checked."""
    balance = opening
    for charge in sorted(charges, key=lambda c: -c["balanceAfterMinor"]):
        balance -= charge["amountMinor"]
        assert charge["balanceAfterMinor"] == balance, charges
    return balance
