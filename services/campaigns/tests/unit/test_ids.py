from cpaas.campaigns.domain.ids import MAX_CAMPAIGN_ID, MAX_ROW, campaign_message_id, parse_campaign_message_id
from cpaas.contracts import new_message_id
from cpaas.contracts.ids import is_message_id, message_id_time_ms


def test_a_row_id_is_a_message_id_with_the_campaign_time_and_reads_back() -> None:
    message_id = campaign_message_id(1_760_000_000_123, 42, 7)
    assert is_message_id(message_id)
    assert message_id_time_ms(message_id) == 1_760_000_000_123
    assert parse_campaign_message_id(message_id) == (1_760_000_000_123, 42, 7)


def test_the_same_row_always_gets_the_same_id_and_rows_differ() -> None:
    assert campaign_message_id(1, 42, 7) == campaign_message_id(1, 42, 7)
    ids = {campaign_message_id(1_760_000_000_000, 42, row) for row in range(1, 10_001)}
    assert len(ids) == 10_000
    assert parse_campaign_message_id(campaign_message_id(5, MAX_CAMPAIGN_ID, MAX_ROW)) == (5, MAX_CAMPAIGN_ID, MAX_ROW)


def test_gateway_ids_are_not_read_as_campaign_rows() -> None:
    hits = sum(parse_campaign_message_id(new_message_id()) is not None for _ in range(20_000))
    assert hits < 200  # the tag alone leaves 1 in 256; the store also checks campaign, account and time
    assert parse_campaign_message_id("not-an-id") is None
