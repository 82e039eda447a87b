"""The charging handler with fakes: which events charge, deduplication within a batch,
dead-lettering, and charging one by one after the database refused a batch."""

from datetime import UTC, datetime
from types import SimpleNamespace

import asyncpg
import pytest
from aiokafka import ConsumerRecord

from cpaas.billing.handlers import ChargingHandler
from cpaas.billing.store import AppliedCharge, Charge, Refund
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, envelope

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TOPIC = "msg.status"


def record(value: bytes, offset: int) -> ConsumerRecord:
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 1, len(value), ())


def status(message: str, status: MessageStatus, attempt: int = 1, **fields) -> bytes:
    event = MessageStatusChangedV1(
        message_id=f"msg_01JD{message:0>22}",
        account_id=fields.pop("account_id", 7),
        channel=fields.pop("channel", Channel.SMS),
        attempt=attempt,
        status=status,
        recipient="+919876543210",
        occurred_at=NOW,
        **fields,
    )
    return envelope(event, source="test", subject=event.message_id).model_dump_json().encode()


class FakeStore:
    """Applies every charge unless its message id is in `refuse` (then the batch is a DataError)."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.calls: list[list[Charge]] = []
        self.refunds: list[list[Refund]] = []

    async def apply(self, charges: list[Charge], refunds: list[Refund]) -> tuple[list[AppliedCharge], list]:
        self.refunds.append(list(refunds))
        return (await self.apply_charges(charges) if charges or not refunds else []), []

    async def apply_charges(self, charges: list[Charge]) -> list[AppliedCharge]:
        self.calls.append(list(charges))
        if any(c.message_id in self.refuse for c in charges):
            raise asyncpg.DataError("value out of range")
        return [
            AppliedCharge(
                True,
                c.message_id,
                c.attempt,
                c.account_id,
                c.channel,
                c.price_code,
                c.units,
                25 * c.units,
                -25 * c.units,
                "INR",
                NOW,
            )
            for c in charges
        ]


class FakeControlPlane:
    async def templates(self, template_ids) -> dict[int, SimpleNamespace]:
        return {
            9: SimpleNamespace(
                id=9, channel="WHATSAPP", category="MARKETING", template_type="TEXT", waba_phone_number="+919812345678"
            )
        }


class FakeBroker:
    def __init__(self) -> None:
        self.dead: list[tuple[bytes, str]] = []

    async def publish(self, value, topic, *, key, headers) -> None:
        self.dead.append((value, headers["x-dlq-error"]))


class FakePublisher:
    def __init__(self) -> None:
        self.published: list = []

    async def publish_many(self, items) -> None:
        self.published += [data for _, data, _ in items]


@pytest.fixture
def parts():
    return FakeBroker(), FakePublisher()


def handler(store: FakeStore, broker: FakeBroker, publisher: FakePublisher) -> ChargingHandler:
    return ChargingHandler(broker, store, FakeControlPlane(), publisher, home_region="IN")  # type: ignore[arg-type]


async def test_first_chargeable_event_of_each_attempt_charges_and_failed_never(parts) -> None:
    broker, publisher = parts
    store = FakeStore()
    records = [
        status("1", MessageStatus.SUBMITTED_OPERATOR, carrier_message_id="c1", segments=2),
        status("1", MessageStatus.DELIVERED, carrier_message_id="c1", segments=2),
        status("2", MessageStatus.FAILED),
        status("3", MessageStatus.DELIVERED),  # no carrier id: not proof of a carrier
        status("3", MessageStatus.SUBMITTED_OPERATOR, attempt=2, channel=Channel.WHATSAPP, template_id=9),
    ]
    await handler(store, broker, publisher).handle([record(v, n) for n, v in enumerate(records)])
    [charges] = store.calls
    assert [(c.message_id[-1], c.attempt, c.price_code, c.units) for c in charges] == [
        ("1", 1, "SMS_SEGMENT", 2),
        ("3", 2, "WA_MIC", 1),
    ]
    assert [(e.message_id[-1], e.amount_minor, e.balance_after_minor) for e in publisher.published] == [
        ("1", 50, -50),
        ("3", 25, -25),
    ]
    assert broker.dead == []


async def test_records_that_can_never_be_charged_go_to_the_dlq_alone(parts) -> None:
    broker, publisher = parts
    store = FakeStore()
    records = [
        b"{not json",
        status("4", MessageStatus.SUBMITTED_OPERATOR, segments=10_000),
        status("5", MessageStatus.SUBMITTED_OPERATOR, account_id=2**63),
        status("6", MessageStatus.SUBMITTED_OPERATOR),
    ]
    await handler(store, broker, publisher).handle([record(v, n) for n, v in enumerate(records)])
    assert [c.message_id[-1] for c in store.calls[0]] == ["6"]
    assert [error.split(":")[0] for _, error in broker.dead] == ["PoisonRecord", "UnitsOutOfRange", "PoisonRecord"]


async def test_a_batch_the_database_refuses_is_charged_one_by_one(parts) -> None:
    broker, publisher = parts
    refused = "msg_01JD0000000000000000000008"
    store = FakeStore(refuse=frozenset({refused}))
    records = [status(str(n), MessageStatus.SUBMITTED_OPERATOR) for n in (7, 8, 9)]
    await handler(store, broker, publisher).handle([record(v, n) for n, v in enumerate(records)])
    assert [len(call) for call in store.calls] == [3, 1, 1, 1]
    assert [e.message_id[-1] for e in publisher.published] == ["7", "9"]
    assert [error.split(":")[0] for _, error in broker.dead] == ["PoisonRecord"]
    assert "refused by the database" in broker.dead[0][1]


async def test_a_transient_error_rewinds_the_batch(parts) -> None:
    broker, publisher = parts

    class Down(FakeStore):
        async def apply_charges(self, charges):
            raise ConnectionResetError("database away")

    with pytest.raises(ConnectionResetError):
        await handler(Down(), broker, publisher).handle([record(status("1", MessageStatus.SUBMITTED_OPERATOR), 0)])
    assert publisher.published == [] and broker.dead == []


async def test_an_undelivered_whatsapp_rcs_or_voice_attempt_refunds_and_an_sms_one_never(parts) -> None:
    broker, publisher = parts
    store = FakeStore()
    records = [
        status("1", MessageStatus.SUBMITTED_OPERATOR, channel=Channel.WHATSAPP, carrier_message_id="w1"),
        status("1", MessageStatus.FAILED, channel=Channel.WHATSAPP, carrier_error_code="131026"),
        status("1", MessageStatus.FAILED, channel=Channel.WHATSAPP, carrier_error_code="131026"),  # redelivered
        status("2", MessageStatus.UNDELIVERED, channel=Channel.RCS, carrier_message_id="r2"),
        status("3", MessageStatus.UNDELIVERED, channel=Channel.VOICE, carrier_message_id="v3"),
        status("4", MessageStatus.UNDELIVERED, carrier_message_id="s4"),  # SMS: charged, never refunded
        status("5", MessageStatus.DELIVERED, channel=Channel.WHATSAPP, carrier_message_id="w5"),
        status("5", MessageStatus.FAILED, channel=Channel.WHATSAPP),  # delivered in the same batch: kept
    ]
    await handler(store, broker, publisher).handle([record(v, n) for n, v in enumerate(records)])
    [charges] = store.calls
    # an undelivered RCS message or unanswered call is not billed: UNDELIVERED charges only SMS
    assert [(c.message_id[-1], c.channel) for c in charges] == [("1", "WHATSAPP"), ("4", "SMS"), ("5", "WHATSAPP")]
    [refunds] = store.refunds
    assert [(r.message_id[-1], r.attempt, r.channel) for r in refunds] == [
        ("1", 1, "WHATSAPP"),
        ("2", 1, "RCS"),
        ("3", 1, "VOICE"),
    ]
