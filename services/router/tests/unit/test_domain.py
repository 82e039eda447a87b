from datetime import UTC, datetime, timedelta

from cpaas.contracts import Channel, ErrorCode, FallbackLevel, MessageStatus
from cpaas.router.domain import ACTIVE, Chain, level_variables, on_deadline, on_status

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def chain(levels: int = 3, attempt: int = 1) -> Chain:
    channels = [Channel.RCS, Channel.WHATSAPP, Channel.SMS][:levels]
    return Chain(
        "msg_X",
        1,
        "+919876543210",
        {},
        None,
        [FallbackLevel(channel=c, template_id=i + 1) for i, c in enumerate(channels)],
        attempt,
        ACTIVE,
        NOW + timedelta(seconds=60),
    )


def test_a_failed_level_opens_the_next() -> None:
    decision = on_status(chain(), 1, MessageStatus.FAILED, ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT)
    assert decision.next_attempt == 2 and decision.error_code == ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT


def test_the_last_undelivered_level_ends_failed_and_says_so() -> None:
    decision = on_status(chain(attempt=3), 3, MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE)
    assert decision.failed_final and decision.publish_failed_status


def test_the_last_failed_level_ends_failed_without_repeating_it() -> None:
    decision = on_status(chain(attempt=3), 3, MessageStatus.FAILED, None)
    assert decision.failed_final and not decision.publish_failed_status


def test_events_of_another_attempt_decide_nothing() -> None:
    assert not on_status(chain(attempt=2), 1, MessageStatus.FAILED, None).changes_anything
    assert not on_status(chain(attempt=2), 1, MessageStatus.DELIVERED, None).changes_anything


def test_delivered_ends_the_chain_and_submitted_operator_changes_nothing() -> None:
    assert on_status(chain(), 1, MessageStatus.DELIVERED, None).delivered
    assert not on_status(chain(), 1, MessageStatus.SUBMITTED_OPERATOR, None).changes_anything


def test_deadline_opens_the_next_level_only_once_due() -> None:
    assert not on_deadline(chain(), NOW).changes_anything
    decision = on_deadline(chain(), NOW + timedelta(seconds=61))
    assert decision.next_attempt == 2 and decision.error_code == ErrorCode.NO_DELIVERY_RECEIPT


def test_the_last_level_without_a_receipt_ends_failed_as_an_expiry_a_late_receipt_may_correct() -> None:
    decision = on_deadline(chain(attempt=3), NOW + timedelta(seconds=61))
    assert decision.failed_final and decision.publish_failed_status
    assert decision.error_code == ErrorCode.RECEIPT_EXPIRED


def test_an_expired_level_falls_back_like_any_failure() -> None:
    decision = on_status(chain(), 1, MessageStatus.UNDELIVERED, ErrorCode.RECEIPT_EXPIRED)
    assert decision.next_attempt == 2 and decision.error_code == ErrorCode.RECEIPT_EXPIRED


def test_a_level_is_sent_with_its_own_variables_and_an_old_level_without_any_with_the_primarys() -> None:
    c = chain()
    c.variables = {"1": "Asha", "2": "A-1042"}
    own = FallbackLevel(channel=Channel.SMS, template_id=3, sender_id="CPAASD", variables={"1": "771204", "2": "20"})
    assert level_variables(c, own) == {"1": "771204", "2": "20"}
    assert level_variables(c, FallbackLevel(channel=Channel.WHATSAPP, template_id=2, variables={})) == {}
    assert level_variables(c, FallbackLevel(channel=Channel.WHATSAPP, template_id=2)) == {"1": "Asha", "2": "A-1042"}
