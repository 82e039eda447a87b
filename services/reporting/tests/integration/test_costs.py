"""Each message's cost from billing.charged, summed over its fallback attempts."""

from datetime import UTC, datetime

from cpaas.contracts import Channel, FallbackLevel, new_message_id
from cpaas.contracts import MessageStatus as S
from cpaas.contracts.events import MessageChargedV1


def charge(message_id: str, attempt: int, channel: Channel, amount: int) -> MessageChargedV1:
    return MessageChargedV1(
        message_id=message_id,
        account_id=7,
        attempt=attempt,
        channel=channel,
        price_code="X",
        units=1,
        amount_minor=amount,
        currency="INR",
        balance_after_minor=1000,
        charged_at=datetime.now(UTC),
    )


async def test_the_report_shows_the_cost_of_each_attempt_and_their_total(harness, submitted, status) -> None:
    message_id = new_message_id()
    fallback = [FallbackLevel(channel=Channel.SMS, template_id=42, sender_id="MYBRAND")]
    async with harness.service():
        # the charge of the first attempt comes before reporting has seen that attempt
        await harness.publish(charge(message_id, 1, Channel.RCS, 20))
        await harness.publish(
            submitted(message_id, channel=Channel.RCS, fallback=fallback),
            status(message_id, S.SUBMITTED_OPERATOR, channel=Channel.RCS, carrier_message_id="r-1"),
            submitted(message_id, channel=Channel.SMS, attempt=2),
            status(message_id, S.SUBMITTED_OPERATOR, channel=Channel.SMS, attempt=2, carrier_message_id="s-1"),
            charge(message_id, 2, Channel.SMS, 25),
        )
        row = await harness.wait_for_message(message_id, cost_minor=45)
        attempts = await harness.attempts(message_id)
    assert row["currency"] == "INR"
    assert [(a["attempt"], a["cost_minor"]) for a in attempts] == [(1, 20), (2, 25)]


async def test_a_refunded_attempt_costs_nothing_in_the_report(harness, submitted, status) -> None:
    """WhatsApp -> SMS: the WhatsApp attempt failed (131026) and billing refunded its charge
    (issue 20.3): the charge and the refund (amountMinor 0, refundedMinor 35) come in one
    batch, in either order (a redelivery may repeat the charge after its refund); the
    report reads 0 for that attempt and the SMS's 25 for the message."""
    message_id = new_message_id()
    fallback = [FallbackLevel(channel=Channel.SMS, template_id=42, sender_id="MYBRAND")]
    refund = charge(message_id, 1, Channel.WHATSAPP, 0).model_copy(update={"refunded_minor": 35})
    async with harness.service():
        await harness.publish(refund, charge(message_id, 1, Channel.WHATSAPP, 35))
        await harness.publish(
            submitted(message_id, channel=Channel.WHATSAPP, fallback=fallback),
            status(message_id, S.SUBMITTED_OPERATOR, channel=Channel.WHATSAPP, carrier_message_id="w-1"),
            status(message_id, S.FAILED, channel=Channel.WHATSAPP, carrier_error_code="131026"),
            submitted(message_id, channel=Channel.SMS, attempt=2),
            status(message_id, S.SUBMITTED_OPERATOR, channel=Channel.SMS, attempt=2, carrier_message_id="s-1"),
            charge(message_id, 2, Channel.SMS, 25),
        )
        await harness.wait_for_message(message_id, cost_minor=25)
        attempts = await harness.attempts(message_id)
    assert [(a["attempt"], a["cost_minor"]) for a in attempts] == [(1, 0), (2, 25)]
