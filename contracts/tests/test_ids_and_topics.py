from cpaas.contracts.ids import is_message_id, message_id_time_ms, new_message_id
from cpaas.contracts.topics import ALL_TOPICS, MESSAGE_TOPICS, topic_names


def test_message_ids_are_unique_prefixed_and_time_ordered() -> None:
    first, second = new_message_id(1_700_000_000_000), new_message_id(1_700_000_000_001)
    assert is_message_id(first) and first.startswith("msg_") and len(first) == 30
    assert first < second
    assert message_id_time_ms(first) == 1_700_000_000_000
    assert len({new_message_id() for _ in range(10_000)}) == 10_000


def test_malformed_ids_are_not_message_ids() -> None:
    assert not is_message_id("msg_abc")
    assert not is_message_id("msg_01JQ7ZK3M4N5P6Q7R8S9T0VWXU")  # U is not Crockford base32


def test_every_lifecycle_topic_is_keyed_by_message_id_and_has_a_dlq() -> None:
    names = topic_names()
    for spec in MESSAGE_TOPICS:
        assert spec.key == "message id"
    for spec in ALL_TOPICS:
        assert spec.dlq in names
