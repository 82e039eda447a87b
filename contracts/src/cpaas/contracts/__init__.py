"""cpaas.contracts: the events, topics, enums, error codes and ids every service shares."""

from cpaas.contracts.enums import Channel, MessageStatus, can_transition, supersedes
from cpaas.contracts.errors import HTTP_STATUS, ErrorCode
from cpaas.contracts.events import (
    CloudEvent,
    EventData,
    FallbackLevel,
    MessageStatusChangedV1,
    MessageSubmittedV1,
    envelope,
)
from cpaas.contracts.ids import is_message_id, new_message_id
from cpaas.contracts.topics import ALL_TOPICS, MSG_STATUS, SUBMIT_TOPICS, TopicSpec

__all__ = [
    "ALL_TOPICS",
    "HTTP_STATUS",
    "MSG_STATUS",
    "SUBMIT_TOPICS",
    "Channel",
    "CloudEvent",
    "ErrorCode",
    "EventData",
    "FallbackLevel",
    "MessageStatus",
    "MessageStatusChangedV1",
    "MessageSubmittedV1",
    "TopicSpec",
    "can_transition",
    "envelope",
    "is_message_id",
    "new_message_id",
    "supersedes",
]
