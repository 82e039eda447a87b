"""Each channel's billing rule (issue 20.3), through the real service, Kafka and PostgreSQL,
with status events as the connectors publish them: SMS charges are final; WhatsApp, RCS
and voice charges on acceptance are provisional and refunded, once, when the attempt ends
FAILED / UNDELIVERED without a DELIVERED / READ."""

import json

from cpaas.contracts import Channel, ErrorCode
from cpaas.contracts import MessageStatus as S
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import BILLING_CHARGED


async def entries(harness, message_id: str) -> list[tuple[str, int, int]]:
    rows = await harness.db.fetch(
        "SELECT kind, attempt, amount_minor FROM billing.ledger WHERE message_id = $1 ORDER BY attempt, id", message_id
    )
    return [(r["kind"], r["attempt"], r["amount_minor"]) for r in rows]


async def ledger_sum(harness) -> int:
    return await harness.db.fetchval(
        "SELECT coalesce(sum(amount_minor), 0) FROM billing.ledger WHERE account_id = $1", harness.account_id
    )


def costs(records: list, message_id: str) -> list[tuple[int, int]]:
    """(amountMinor, refundedMinor) of each billing.charged event of a message, in order."""
    data = [json.loads(r.value)["data"] for r in records if r.key.decode() == message_id]
    return [(d["amountMinor"], d["refundedMinor"]) for d in data]


async def test_whatsapp_131026_failure_is_refunded_once_even_when_its_status_comes_twice(harness) -> None:
    template = harness.creds["templates"]["WHATSAPP"]  # UTILITY: WA_UIC, 35
    failed_id, delivered_id, refused_id = new_message_id(), new_message_id(), new_message_id()
    wa = {"channel": Channel.WHATSAPP, "template_id": template}
    failed = harness.encoded(
        harness.status(
            failed_id,
            S.FAILED,
            error_code=ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT,
            carrier_error_code="131026",
            error_detail="Message undeliverable",
            carrier_message_id=f"wamid.{failed_id[-8:]}",
            **wa,
        )
    )
    async with harness.service():
        await harness.publish(
            harness.status(failed_id, S.SUBMITTED_OPERATOR, carrier_message_id=f"wamid.{failed_id[-8:]}", **wa),
            harness.status(delivered_id, S.SUBMITTED_OPERATOR, **wa),
            # refused at the send (the connector's FAILED without a wamid): never charged, nothing to refund
            harness.status(
                refused_id,
                S.FAILED,
                error_code=ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT,
                carrier_error_code="131026",
                **wa,
            ),
        )
        await harness.wait_for_charges(failed_id, 1)
        await harness.wait_consumed()  # the charge is in the ledger before the failure comes
        await harness.publish_raw(failed, failed_id)
        await harness.wait_for_refund(failed_id)
        await harness.wait_consumed()
        await harness.publish_raw(failed, failed_id)  # redelivered as is, in a later batch
        await harness.publish(
            harness.status(delivered_id, S.DELIVERED, **wa), harness.status(delivered_id, S.READ, **wa)
        )
        await harness.wait_consumed()
        records = await harness.read(BILLING_CHARGED.name, 4)  # two charges, the refund, its republish
    assert await entries(harness, failed_id) == [("CHARGE", 1, -35), ("REFUND", 1, 35)]
    assert await entries(harness, delivered_id) == [("CHARGE", 1, -35)]
    assert await entries(harness, refused_id) == []
    assert await harness.balance() == -35 == await ledger_sum(harness)
    # the attempt's latest cost reads 0 (reporting writes the latest), the delivered one keeps its price
    assert costs(records, failed_id)[:2] == [(35, 0), (0, 35)]
    assert costs(records, failed_id)[-1] == (0, 35)
    assert costs(records, delivered_id) == [(35, 0)]


async def test_rcs_receipt_expired_is_refunded_once_and_its_sms_fallback_stays_charged(harness) -> None:
    """RCS -> SMS: the RCS attempt never DELIVERED (RBM has no 'undelivered': the connector's
    receipt deadline ends it UNDELIVERED / RECEIPT_EXPIRED) is refunded, the router's FAILED
    after it refunds nothing more; the SMS the operator accepted stays charged although
    undelivered (operators bill submitted SMS)."""
    templates = harness.creds["templates"]
    fallback, delivered = new_message_id(), new_message_id()
    rcs = {"channel": Channel.RCS, "template_id": templates["RCS_RICH_CARD"]}  # RCS_RICH_CARD, 40
    undeliverable = {"error_code": ErrorCode.CARRIER_UNDELIVERABLE}
    async with harness.service():
        await harness.publish(
            harness.status(fallback, S.SUBMITTED_OPERATOR, **rcs),
            harness.status(delivered, S.SUBMITTED_OPERATOR, **rcs),
        )
        await harness.wait_for_charges(delivered, 1)
        await harness.wait_consumed()
        await harness.publish(
            harness.status(fallback, S.UNDELIVERED, error_code=ErrorCode.RECEIPT_EXPIRED, **rcs),
            harness.status(delivered, S.DELIVERED, **rcs),
            harness.status(fallback, S.SUBMITTED_OPERATOR, attempt=2, segments=2, template_id=templates["SMS"]),
        )
        await harness.wait_for_refund(fallback)
        await harness.wait_consumed()
        await harness.publish(
            harness.status(fallback, S.FAILED, error_code=ErrorCode.RECEIPT_EXPIRED, **rcs),  # the router's
            harness.status(fallback, S.UNDELIVERED, attempt=2, segments=2, **undeliverable),
            harness.status(fallback, S.FAILED, attempt=2, **undeliverable),  # the router's: no level left
        )
        await harness.wait_consumed()
    assert await entries(harness, fallback) == [("CHARGE", 1, -40), ("REFUND", 1, 40), ("CHARGE", 2, -50)]
    assert await entries(harness, delivered) == [("CHARGE", 1, -40)]
    assert await harness.balance() == -90 == await ledger_sum(harness)


async def test_voice_is_billed_only_for_an_answered_call(harness) -> None:
    answered, busy, no_answer, failed = (new_message_id() for _ in range(4))
    voice = {"channel": Channel.VOICE}
    async with harness.service():
        await harness.publish(
            *(harness.status(m, S.SUBMITTED_OPERATOR, **voice) for m in (answered, busy, no_answer, failed)),
        )
        await harness.wait_for_charges(failed, 1)
        await harness.wait_consumed()
        await harness.publish(
            harness.status(answered, S.DELIVERED, carrier_error_code="completed", **voice),
            harness.status(
                busy, S.UNDELIVERED, error_code=ErrorCode.CARRIER_UNDELIVERABLE, carrier_error_code="busy", **voice
            ),
            harness.status(
                no_answer,
                S.UNDELIVERED,
                error_code=ErrorCode.CARRIER_UNDELIVERABLE,
                carrier_error_code="no-answer",
                **voice,
            ),
            harness.status(
                failed, S.FAILED, error_code=ErrorCode.CARRIER_REJECTED, carrier_error_code="failed", **voice
            ),
        )
        for m in (busy, no_answer, failed):
            await harness.wait_for_refund(m)
        await harness.wait_consumed()
    assert await entries(harness, answered) == [("CHARGE", 1, -100)]
    for m in (busy, no_answer, failed):
        assert await entries(harness, m) == [("CHARGE", 1, -100), ("REFUND", 1, 100)]
    assert await harness.balance() == -100 == await ledger_sum(harness)


async def test_refunds_are_listed_in_the_transaction_log(harness) -> None:
    message_id = new_message_id()
    wa = {"channel": Channel.WHATSAPP, "template_id": harness.creds["templates"]["WHATSAPP"]}
    async with harness.service() as api:
        await harness.publish(
            harness.status(message_id, S.SUBMITTED_OPERATOR, **wa),
            harness.status(message_id, S.FAILED, carrier_error_code="131026", **wa),
        )
        await harness.wait_for_refund(message_id)
        response = await api.get(
            f"/api/v1/billing/accounts/{harness.account_id}/transactions",
            params={"kind": "REFUND"},
            headers={"X-Service-Token": "local-dev-service-token"},
        )
        records = await harness.read(BILLING_CHARGED.name, 1)
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert (item["kind"], item["messageId"], item["amountMinor"], item["balanceAfterMinor"]) == (
        "REFUND",
        message_id,
        35,
        0,
    )
    assert (item["priceCode"], item["category"]) == ("WA_UIC", "UIC")
    # charged and refunded in one batch: only the refund is published (the attempt costs 0)
    assert costs(records, message_id) == [(0, 35)]
