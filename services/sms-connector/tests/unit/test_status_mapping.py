"""The one table from SMPP outcomes to our statuses."""

import pytest

from cpaas.contracts import ErrorCode, MessageStatus
from cpaas.sms_connector.providers.smpp.statuses import (
    MESSAGE_STATE_STAT,
    RECEIPT_STATUS,
    RETRYABLE_SUBMIT_STATUSES,
    final_status,
    receipt_meaning,
    submit_error_code,
)


@pytest.mark.parametrize(
    ("stat", "status", "error_code"),
    [
        ("DELIVRD", MessageStatus.DELIVERED, None),
        ("UNDELIV", MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
        ("EXPIRED", MessageStatus.UNDELIVERED, ErrorCode.CARRIER_EXPIRED),
        ("DELETED", MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
        ("UNKNOWN", MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
        ("REJECTD", MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED),
        ("delivrd", MessageStatus.DELIVERED, None),
        ("NOTSPEC", MessageStatus.UNDELIVERED, ErrorCode.CARRIER_UNDELIVERABLE),
    ],
)
def test_final_receipt_stats_map_onto_our_statuses(
    stat: str, status: MessageStatus, error_code: ErrorCode | None
) -> None:
    meaning = receipt_meaning(stat)
    assert meaning.is_final
    assert (meaning.status, meaning.error_code) == (status, error_code)


@pytest.mark.parametrize("stat", ["ENROUTE", "ACCEPTD"])
def test_intermediate_receipts_are_not_final(stat: str) -> None:
    assert not receipt_meaning(stat).is_final


def test_every_message_state_has_a_stat_in_the_table() -> None:
    assert set(MESSAGE_STATE_STAT.values()) <= RECEIPT_STATUS.keys()


def test_a_message_is_delivered_only_when_every_segment_is() -> None:
    assert final_status(["DELIVRD", "DELIVRD", "DELIVRD"], ["000", "000", "000"]).status is MessageStatus.DELIVERED
    outcome = final_status(["DELIVRD", "UNDELIV", "EXPIRED"], ["000", "034", "027"])
    assert outcome.status is MessageStatus.UNDELIVERED
    assert (outcome.error_code, outcome.carrier_error_code, outcome.error_detail) == (
        ErrorCode.CARRIER_UNDELIVERABLE,
        "034",
        "UNDELIV",
    )


def test_expired_and_rejected_receipts() -> None:
    expired = final_status(["EXPIRED"], ["027"])
    assert (expired.status, expired.error_code) == (MessageStatus.UNDELIVERED, ErrorCode.CARRIER_EXPIRED)
    rejected = final_status(["REJECTD"], [None])
    assert (rejected.status, rejected.error_code) == (MessageStatus.FAILED, ErrorCode.CARRIER_REJECTED)


def test_refused_submit_codes_are_written_as_smpp_does() -> None:
    assert submit_error_code(0x45) == "0x00000045"
    assert {0x14, 0x58} == RETRYABLE_SUBMIT_STATUSES  # ESME_RMSGQFUL, ESME_RTHROTTLED
