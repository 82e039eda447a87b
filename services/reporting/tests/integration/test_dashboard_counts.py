"""The Dashboard's per-channel counts (issue 20, point 10) over a message log written by
the reporting service itself from real Kafka events: a message counts once, under the
channel it was sent on first, and the ones a fallback level delivered are counted as such
(with the channel that delivered them)."""

from datetime import UTC, datetime, timedelta

from cpaas.contracts import Channel, FallbackLevel, MessageStatus, new_message_id
from cpaas.message_log import MessageLogReader
from cpaas.platform.db import create_pool

from .conftest import ACCOUNT_ID

S = MessageStatus


async def test_messages_count_under_their_first_channel_and_fallback_deliveries_as_such(
    harness, submitted, status
) -> None:
    rcs_to_sms, rcs_direct, sms_direct, rcs_failed = (new_message_id() for _ in range(4))
    sms_level = [FallbackLevel(channel=Channel.SMS, template_id=42, sender_id="MYBRAND", variables={"1": "7"})]
    async with harness.service():
        await harness.publish(
            # RCS, failed, delivered by its SMS fallback
            submitted(rcs_to_sms, channel=Channel.RCS, template_id=31, fallback=sms_level),
            status(rcs_to_sms, S.FAILED, channel=Channel.RCS, error_code="CHANNEL_NOT_SUPPORTED_BY_RECIPIENT"),
            status(rcs_to_sms, S.RETRYING, channel=Channel.SMS, attempt=2),
            submitted(rcs_to_sms, channel=Channel.SMS, attempt=2),
            status(rcs_to_sms, S.DELIVERED, channel=Channel.SMS, attempt=2),
            # RCS delivered by RCS; SMS delivered by SMS
            submitted(rcs_direct, channel=Channel.RCS, template_id=31, fallback=sms_level),
            status(rcs_direct, S.DELIVERED, channel=Channel.RCS),
            submitted(sms_direct),
            status(sms_direct, S.DELIVERED),
            # RCS whose SMS fallback failed too: counted under RCS, not a fallback delivery
            submitted(rcs_failed, channel=Channel.RCS, template_id=31, fallback=sms_level),
            status(rcs_failed, S.FAILED, channel=Channel.RCS),
            status(rcs_failed, S.RETRYING, channel=Channel.SMS, attempt=2),
            submitted(rcs_failed, channel=Channel.SMS, attempt=2),
            status(rcs_failed, S.UNDELIVERED, channel=Channel.SMS, attempt=2),
        )
        await harness.wait_for_message(rcs_to_sms, status="DELIVERED", channel="SMS")
        await harness.wait_for_message(rcs_direct, status="DELIVERED")
        await harness.wait_for_message(sms_direct, status="DELIVERED")
        await harness.wait_for_message(rcs_failed, status="UNDELIVERED")
    pool = await create_pool(harness.settings.postgres, schema="reporting", application_name="test")
    try:
        reader = MessageLogReader(pool)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        data = await reader.dashboard(ACCOUNT_ID, today)
        tomorrow = await reader.dashboard(ACCOUNT_ID, today + timedelta(days=1))
        other = await reader.dashboard(ACCOUNT_ID + 1, today)
    finally:
        await pool.close()
    channels = {
        c["channel"]: (c["today"], c["all_time"], c["delivered_today"], c["fallback_today"], c["fallback_all_time"])
        for c in data["channels"]
    }
    # counted by the channel they were sent on first: 3 RCS (not 1 RCS and 3 SMS), 1 SMS
    assert channels == {"RCS": (3, 3, 2, 1, 1), "SMS": (1, 1, 1, 0, 0)}
    assert [(f["primary_channel"], f["channel"], f["today"], f["all_time"]) for f in data["fallbacks"]] == [
        ("RCS", "SMS", 1, 1)
    ]
    assert {c["channel"]: (c["today"], c["all_time"]) for c in tomorrow["channels"]} == {"RCS": (0, 3), "SMS": (0, 1)}
    assert [(f["today"], f["all_time"]) for f in tomorrow["fallbacks"]] == [(0, 1)]
    assert other["channels"] == [] and other["fallbacks"] == []  # another account sees none of them
