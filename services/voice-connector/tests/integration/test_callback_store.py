"""Callbacks against the real `voice` schema, including one that overtakes the answer to
its create-call request (the provider may call back before we recorded the call SID)."""

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from cpaas.connector_kit.sends import ACCEPTED
from cpaas.contracts import Channel, EventData, MessageStatus, MessageSubmittedV1, new_message_id
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import PostgresSettings
from cpaas.voice_connector.app import MIGRATIONS, SCHEMA
from cpaas.voice_connector.callbacks import Applied, CallbackDeps, apply_callback
from cpaas.voice_connector.providers import CallProgress
from cpaas.voice_connector.providers.programmable_voice.statuses import status_meaning
from cpaas.voice_connector.store import CallResult, VoiceStore

SID, OTHER_SID = "CA" + "1" * 32, "CA" + "2" * 32


def caller_id(_event: MessageSubmittedV1) -> str:
    """The caller ID every call comes from."""
    return "+919000000002"


class Published:
    """Stands in for the EventPublisher: keeps what would have gone to Kafka."""

    def __init__(self) -> None:
        self.events: list[EventData] = []

    async def publish_many(self, items: Iterable[tuple[str, EventData, str]]) -> None:
        self.events += [data for _, data, _ in items]

    def statuses(self) -> list[MessageStatus]:
        return [e.status for e in self.events]  # type: ignore[attr-defined]


@pytest.fixture
async def store(pg_settings: PostgresSettings) -> AsyncIterator[VoiceStore]:
    pool = await create_pool(pg_settings, schema=SCHEMA, application_name="test")
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        yield VoiceStore(pool, receipt_deadline_seconds=60)
    finally:
        await pool.close()


def submit() -> MessageSubmittedV1:
    return MessageSubmittedV1(
        message_id=new_message_id(),
        account_id=2,
        channel=Channel.VOICE,
        recipient="+919876543210",
        template_id=6,
        submitted_at=datetime.now(UTC),
    )


def progress(status: str, sid: str = SID) -> CallProgress:
    return CallProgress(sid, status, status_meaning(status), datetime.now(UTC), duration_seconds=5)


async def test_callback_before_the_create_answer_links_the_call_and_publishes_in_order(store: VoiceStore) -> None:
    event, published = submit(), Published()
    deps = CallbackDeps(store, published)  # type: ignore[arg-type]
    hint = (event.message_id, event.attempt)
    await store.claim([event], sender_id=caller_id)
    assert await apply_callback(progress("completed"), hint, deps) is Applied.PUBLISHED
    assert published.statuses() == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED]
    assert {e.carrier_message_id for e in published.events} == {SID}  # type: ignore[attr-defined]
    # the create's answer arrives afterwards: nothing more to record or announce
    accepted = CallResult(event.message_id, event.attempt, ACCEPTED, datetime.now(UTC), SID, provider_status="queued")
    await store.record([accepted], receipt_deadline_seconds=60)
    assert await store.announce([hint], published.publish_many) == []
    assert await apply_callback(progress("completed"), hint, deps) is Applied.DUPLICATE
    assert await apply_callback(progress("ringing"), hint, deps) is Applied.RECORDED
    assert published.statuses() == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.DELIVERED]
    row = await store.pool.fetchrow(
        "SELECT *, provider_message_id AS call_sid FROM sends WHERE message_id = $1", event.message_id
    )
    assert (row["call_sid"], row["provider_status"], row["published_status"]) == (SID, "completed", "DELIVERED")


def unmatched_calls() -> float:
    labels = {"connector": "voice-connector", "reason": "unknown_message"}
    return REGISTRY.get_sample_value("cpaas_unmatched_provider_events_total", labels) or 0.0


async def test_callback_of_an_unknown_call_changes_nothing(store: VoiceStore) -> None:
    before = unmatched_calls()
    event, published = submit(), Published()
    deps = CallbackDeps(store, published)  # type: ignore[arg-type]
    await store.claim([event], sender_id=caller_id)
    assert await apply_callback(progress("completed", OTHER_SID), None, deps) is Applied.UNKNOWN_CALL
    await apply_callback(progress("ringing"), (event.message_id, 1), deps)
    # another SID claiming the same attempt through its URL is not this call
    assert await apply_callback(progress("completed", OTHER_SID), (event.message_id, 1), deps) is Applied.UNKNOWN_CALL
    assert published.events == []
    assert unmatched_calls() == before + 2  # counted for the console's Unmatched provider events panel


async def test_a_failed_publish_records_nothing(store: VoiceStore) -> None:
    event = submit()
    hint = (event.message_id, event.attempt)
    await store.claim([event], sender_id=caller_id)

    class Down(Published):
        async def publish_many(self, items: Iterable[tuple[str, EventData, str]]) -> None:
            raise ConnectionError("kafka is down")

    with pytest.raises(ConnectionError):
        await apply_callback(progress("no-answer"), hint, CallbackDeps(store, Down()))  # type: ignore[arg-type]
    published = Published()
    assert await apply_callback(progress("no-answer"), hint, CallbackDeps(store, published)) is Applied.PUBLISHED  # type: ignore[arg-type]
    assert published.statuses() == [MessageStatus.SUBMITTED_OPERATOR, MessageStatus.UNDELIVERED]
    undelivered = published.events[-1]
    assert (undelivered.carrier_error_code, undelivered.error_code) == ("no-answer", "CARRIER_UNDELIVERABLE")  # type: ignore[attr-defined]
