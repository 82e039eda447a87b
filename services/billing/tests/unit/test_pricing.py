"""The pricing function and the charging rule, as tables of cases."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cpaas.billing.domain.pricing import (
    MAX_UNITS,
    PriceCode,
    Pricing,
    TemplateInfo,
    UnitsOutOfRange,
    is_chargeable,
    price,
    recipient_region,
)
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1

SERVICE = Path(__file__).parents[2]
MIGRATION = SERVICE / "src/cpaas/billing/migrations/0001_ledger.sql"
INDIA, US, UK = "+919876543210", "+14155550123", "+442071838750"


def event(
    channel: Channel, status: MessageStatus = MessageStatus.SUBMITTED_OPERATOR, **fields
) -> MessageStatusChangedV1:
    fields.setdefault("recipient", INDIA)
    return MessageStatusChangedV1(
        message_id="msg_01JD0000000000000000000000",
        account_id=7,
        channel=channel,
        status=status,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        **fields,
    )


def wa(category: str | None, home: str | None = "IN") -> TemplateInfo:
    return TemplateInfo(id=1, channel="WHATSAPP", category=category, template_type="TEXT", home_region=home)


def rcs(template_type: str) -> TemplateInfo:
    return TemplateInfo(id=2, channel="RCS", category=None, template_type=template_type, home_region=None)


@pytest.mark.parametrize(
    ("channel", "fields", "template", "expected"),
    [
        (Channel.SMS, {}, None, Pricing(PriceCode.SMS_SEGMENT, 1)),
        (Channel.SMS, {"segments": 1}, None, Pricing(PriceCode.SMS_SEGMENT, 1)),
        (Channel.SMS, {"segments": 4}, None, Pricing(PriceCode.SMS_SEGMENT, 4)),
        (Channel.WHATSAPP, {}, wa("UTILITY"), Pricing(PriceCode.WA_UIC, 1)),
        (Channel.WHATSAPP, {}, wa("MARKETING"), Pricing(PriceCode.WA_MIC, 1)),
        (Channel.WHATSAPP, {}, wa("marketing"), Pricing(PriceCode.WA_MIC, 1)),
        (Channel.WHATSAPP, {}, wa(None), Pricing(PriceCode.WA_SIC, 1)),
        (Channel.WHATSAPP, {}, wa("SERVICE"), Pricing(PriceCode.WA_SIC, 1)),
        (Channel.WHATSAPP, {}, None, Pricing(PriceCode.WA_SIC, 1)),
        (Channel.WHATSAPP, {}, wa("AUTHENTICATION"), Pricing(PriceCode.WA_AUTH, 1)),
        (Channel.WHATSAPP, {"recipient": US}, wa("AUTHENTICATION"), Pricing(PriceCode.WA_AUTH_INT, 1)),
        (Channel.WHATSAPP, {"recipient": UK}, wa("AUTHENTICATION"), Pricing(PriceCode.WA_AUTH_INT, 1)),
        # the WABA number's country is home: a US number's US recipient is domestic
        (Channel.WHATSAPP, {"recipient": US}, wa("AUTHENTICATION", home="US"), Pricing(PriceCode.WA_AUTH, 1)),
        (Channel.WHATSAPP, {}, wa("AUTHENTICATION", home="US"), Pricing(PriceCode.WA_AUTH_INT, 1)),
        # no WABA number: the settings' home country
        (Channel.WHATSAPP, {}, wa("AUTHENTICATION", home=None), Pricing(PriceCode.WA_AUTH, 1)),
        # a marketing message abroad is still MIC: only Auth has an international price
        (Channel.WHATSAPP, {"recipient": US}, wa("MARKETING"), Pricing(PriceCode.WA_MIC, 1)),
        (Channel.RCS, {}, rcs("TEXT"), Pricing(PriceCode.RCS_TEXT, 1)),
        (Channel.RCS, {}, rcs("RICH_CARD"), Pricing(PriceCode.RCS_RICH_CARD, 1)),
        (Channel.RCS, {}, rcs("CAROUSEL"), Pricing(PriceCode.RCS_CAROUSEL, 1)),
        (Channel.RCS, {}, None, Pricing(PriceCode.RCS_TEXT, 1)),
        (Channel.VOICE, {}, None, Pricing(PriceCode.VOICE_CALL, 1)),
        (Channel.VOICE, {"segments": 3}, None, Pricing(PriceCode.VOICE_CALL, 1)),
    ],
)
def test_price(channel, fields, template, expected) -> None:
    assert price(event(channel, **fields), template, home_region="IN") == expected


def test_more_segments_than_one_sms_can_have_is_refused() -> None:
    with pytest.raises(UnitsOutOfRange):
        price(event(Channel.SMS, segments=MAX_UNITS + 1), None, home_region="IN")


@pytest.mark.parametrize(
    ("status", "carrier_message_id", "chargeable"),
    [
        (MessageStatus.SUBMITTED_OPERATOR, "c-1", True),
        (MessageStatus.SUBMITTED_OPERATOR, None, True),  # the carrier accepted it: that is the charging event
        (MessageStatus.DELIVERED, "c-1", True),
        (MessageStatus.READ, "c-1", True),
        (MessageStatus.UNDELIVERED, "c-1", True),
        (MessageStatus.DELIVERED, None, False),  # no carrier id: no proof a carrier had it
        (MessageStatus.UNDELIVERED, None, False),
        (MessageStatus.FAILED, "c-1", False),  # never on FAILED
        (MessageStatus.FAILED, None, False),
        (MessageStatus.SUBMITTED, None, False),
        (MessageStatus.RETRYING, None, False),
    ],
)
def test_is_chargeable(status, carrier_message_id, chargeable) -> None:
    assert is_chargeable(event(Channel.SMS, status, carrier_message_id=carrier_message_id)) is chargeable


@pytest.mark.parametrize(
    ("recipient", "region"),
    [(INDIA, "IN"), (US, "US"), (UK, "GB"), ("+16135550123", "CA"), ("+80012345678", None)],
)
def test_recipient_region(recipient, region) -> None:
    assert recipient_region(recipient) == region


def _migration_prices() -> dict[str, int]:
    return {code: int(amount) for code, amount in re.findall(r"\('([A-Z_]+)',.*?(\d+)\)", MIGRATION.read_text())}


def _readme_prices() -> dict[str, int]:
    readme = (SERVICE / "README.md").read_text()
    return {code: int(amount) for code, amount in re.findall(r"^\| `([A-Z_]+)` \|.*?\| (\d+) \|", readme, re.M)}


def test_every_price_code_is_seeded_and_documented() -> None:
    seeded = _migration_prices()
    assert seeded.keys() == {code.value for code in PriceCode}
    assert _readme_prices() == seeded
