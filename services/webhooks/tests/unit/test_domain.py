"""The receipt body, its signature and the retry schedule."""

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1, envelope
from cpaas.webhooks.domain import RetrySchedule, iso8601, receipt_payload, signature, signed_headers

MESSAGE_ID = "msg_01JNQ3Z8K4W6X9M2T5R7V0B1C3"
AT = datetime(2025, 3, 6, 14, 30, 0, 123456, tzinfo=UTC)


def event(status: MessageStatus, **fields):
    data = MessageStatusChangedV1(
        message_id=MESSAGE_ID,
        account_id=1,
        channel=fields.pop("channel", Channel.SMS),
        status=status,
        recipient="+919876543210",
        occurred_at=AT,
        **fields,
    )
    return envelope(data, source="test", subject=MESSAGE_ID)


def test_delivered_and_read_carry_delivered_at():
    for status in (MessageStatus.DELIVERED, MessageStatus.READ):
        e = event(status)
        assert receipt_payload(e) == {
            "messageId": MESSAGE_ID,
            "recipient": "+919876543210",
            "status": status.value,
            "channel": "SMS",
            "deliveredAt": "2025-03-06T14:30:00.123Z",
            "eventId": e.id,
        }


def test_failure_carries_the_carrier_code_else_ours():
    carrier = receipt_payload(
        event(MessageStatus.FAILED, error_code=ErrorCode.CARRIER_REJECTED, carrier_error_code="0x0B")
    )
    ours = receipt_payload(event(MessageStatus.UNDELIVERED, error_code=ErrorCode.NO_DELIVERY_RECEIPT))
    none = receipt_payload(event(MessageStatus.FAILED))
    assert (carrier["errorCode"], carrier["deliveredAt"]) == ("0x0B", None)
    assert ours["errorCode"] == "NO_DELIVERY_RECEIPT"
    assert none["errorCode"] is None


def test_nul_characters_never_reach_the_database():
    e = event(MessageStatus.FAILED, carrier_error_code="err:\x00042")
    payload = receipt_payload(e.model_copy(update={"id": "id-\x00-1"}))
    assert (payload["errorCode"], payload["eventId"]) == ("err:042", "id--1")


def test_fallback_level_names_its_attempt_and_channel():
    payload = receipt_payload(event(MessageStatus.DELIVERED, channel=Channel.RCS, attempt=3))
    assert (payload["attempt"], payload["attemptChannel"], payload["channel"]) == (3, "RCS", "RCS")
    assert "attempt" not in receipt_payload(event(MessageStatus.DELIVERED))


def test_iso8601_takes_a_naive_time_as_utc():
    assert iso8601(datetime(2025, 3, 6, 14, 30)) == "2025-03-06T14:30:00.000Z"
    assert iso8601(datetime(2025, 3, 6, 20, 0, tzinfo=UTC) + timedelta(0)) == "2025-03-06T20:00:00.000Z"


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    # printf '1741271400.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expected = "da502bf07ebb9421fc5207446a9b347dc39abd0a4d2d8e5bbc82f01859e0a142"
    assert signature("whsec_test", 1741271400, b'{"a":1}') == f"v1={expected}"


def test_signature_from_the_service_verifies_with_the_readme_snippet(verify_webhook):
    body = b'{"messageId":"msg_x","status":"DELIVERED"}'
    headers = {"X-CPaaS-Timestamp": "1741271400", "X-CPaaS-Signature": signature("s3cret", 1741271400, body)}
    assert verify_webhook("s3cret", headers, body, now=1741271400 + 299)
    assert not verify_webhook("s3cret", headers, body, now=1741271400 + 301)  # older than 5 minutes
    assert not verify_webhook("s3cret", headers, body, now=1741271400 - 301)
    assert not verify_webhook("other", headers, body, now=1741271400)
    assert not verify_webhook("s3cret", {**headers, "X-CPaaS-Timestamp": "1741271401"}, body, now=1741271400)
    assert not verify_webhook("s3cret", {}, body, now=1741271400)


def test_during_a_grace_period_the_header_carries_a_signature_by_each_secret(verify_webhook):
    body = b'{"messageId":"msg_x","status":"DELIVERED"}'
    headers = signed_headers(("whsec_new", "whsec_old"), 1741271400, body)
    new, old = signature("whsec_new", 1741271400, body), signature("whsec_old", 1741271400, body)
    assert headers["X-CPaaS-Signature"] == f"{new},{old}"  # current first, two v1= entries
    assert verify_webhook("whsec_new", headers, body, now=1741271400)
    assert verify_webhook("whsec_old", headers, body, now=1741271400)
    assert not verify_webhook("whsec_other", headers, body, now=1741271400)
    # one secret: exactly the header the README always documented
    assert signed_headers(("whsec_new",), 1741271400, body)["X-CPaaS-Signature"] == new
    assert signed_headers("whsec_new", 1741271400, body)["X-CPaaS-Signature"] == new


SCHEDULE = RetrySchedule(
    base_seconds=2, factor=2, min_seconds=1, max_interval_seconds=3600, give_up_after_seconds=86400
)


def test_backoff_cap_doubles_up_to_the_max_interval():
    assert [SCHEDULE.cap(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert SCHEDULE.cap(12) == 3600
    assert SCHEDULE.cap(10_000) == 3600


def test_jittered_delay_stays_between_the_floor_and_the_cap():
    created = now = datetime(2025, 3, 6, tzinfo=UTC)
    rng = random.Random(7)
    for attempt in (1, 3, 8, 20):
        delays = [(SCHEDULE.next_attempt_at(attempt, created, now, rng) - now).total_seconds() for _ in range(200)]
        assert min(delays) >= 1 and max(delays) <= SCHEDULE.cap(attempt)
        assert max(delays) - min(delays) > SCHEDULE.cap(attempt) / 4  # actually spread out


def test_gives_up_after_the_window_with_a_last_attempt_at_the_deadline():
    created = datetime(2025, 3, 6, tzinfo=UTC)
    deadline = created + timedelta(hours=24)
    near = deadline - timedelta(seconds=10)
    assert SCHEDULE.next_attempt_at(30, created, near, random.Random(1)) <= deadline
    assert SCHEDULE.next_attempt_at(30, created, near, random.Random(1)) > near
    assert SCHEDULE.next_attempt_at(31, created, deadline) is None


def test_the_readme_receiver_handles_a_repeated_receipt_once_and_acknowledges_it(receive_receipt):
    body = b'{"messageId": "msg_1", "status": "DELIVERED", "eventId": "evt-1"}'
    headers = signed_headers("whsec_test", int(time.time()), body)
    seen: set[str] = set()
    handled: list[dict] = []
    assert receive_receipt("whsec_test", headers, body, seen, handled.append) == 200
    assert receive_receipt("whsec_test", headers, body, seen, handled.append) == 200  # the repeat
    assert [r["eventId"] for r in handled] == ["evt-1"]
    assert receive_receipt("wrong-secret", headers, body, seen, handled.append) == 401


def test_the_readme_receiver_handles_again_a_receipt_whose_handling_failed(receive_receipt):
    body = b'{"messageId": "msg_2", "status": "DELIVERED", "eventId": "evt-2"}'
    headers = signed_headers("whsec_test", int(time.time()), body)
    seen: set[str] = set()

    def failing(receipt: dict) -> None:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):  # the receiver's framework answers 500: the platform retries
        receive_receipt("whsec_test", headers, body, seen, failing)
    handled: list[dict] = []
    assert receive_receipt("whsec_test", headers, body, seen, handled.append) == 200 and len(handled) == 1


def test_the_root_readme_snippet_verifies_both_signatures_of_a_rotation():
    """The verifier in the top-level README's webhooks section, run as a customer would copy it."""
    import re
    from pathlib import Path

    readme = Path(__file__).parents[4] / "README.md"
    section = readme.read_text().split("## Delivery receipts to the customer (webhooks)", 1)[1]
    namespace: dict = {}
    exec(re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1), namespace)  # noqa: S102 - our README
    verify = namespace["verify_webhook"]
    body, now = b'{"messageId":"msg_x","status":"DELIVERED"}', int(time.time())
    during_grace = signed_headers(("whsec_new", "whsec_old"), now, body)
    assert verify("whsec_new", during_grace, body) and verify("whsec_old", during_grace, body)
    assert not verify("whsec_other", during_grace, body)
    assert verify("whsec_new", signed_headers("whsec_new", now, body), body)
    assert not verify("whsec_new", signed_headers("whsec_new", now - 301, body), body)  # replayed later
