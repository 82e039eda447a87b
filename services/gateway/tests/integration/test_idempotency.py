"""Idempotency-Key against the real Kafka and PostgreSQL: one key is one message id, a 202
only once its event is in Kafka, and a submit that died or failed mid-publish is sent by
the retry under the id its key holds.

A gateway dying mid-publish is the request cancelled while its publish is stalled (the
process's last moment); Kafka refusing is a submit topic that does not exist (the test
broker does not create topics); a broker answering after the gateway gave up is a
publish that reaches Kafka only after the publish timeout."""

import asyncio
import contextlib

from cpaas.platform.db import create_pool
from cpaas.platform.kafka_admin import delete_topics, ensure_topics
from cpaas.platform.settings import KafkaSettings

SUBMIT = "/api/v1/messages/submit"


class StalledPublisher:
    """The gateway's own publisher, whose first publish stalls: until the request is
    cancelled, or, with `lands_after`, for that long, after which it does reach Kafka
    (whether or not the gateway still waits). Later publishes go straight through."""

    def __init__(self, real, *, lands_after: float | None = None) -> None:
        self.real, self.lands_after = real, lands_after
        self.stalled, self.landed = asyncio.Event(), asyncio.Event()
        self.calls = 0
        self._late: asyncio.Task | None = None

    async def publish(self, topic_name: str, data, *, subject: str) -> None:
        self.calls += 1
        if self.calls > 1:
            return await self.real.publish(topic_name, data, subject=subject)
        self.stalled.set()
        if self.lands_after is None:
            await asyncio.Event().wait()  # never acknowledged: only a cancel ends it
        self._late = asyncio.create_task(self._land(topic_name, data, subject))
        await asyncio.shield(self._late)  # the gateway may stop waiting; the send goes on
        return None

    async def _land(self, topic_name: str, data, subject: str) -> None:
        await asyncio.sleep(self.lands_after)
        await self.real.publish(topic_name, data, subject=subject)
        self.landed.set()


async def stored_key(gw, key: str) -> dict | None:
    pool = await create_pool(gw.settings.postgres, schema="gateway", application_name="test")
    try:
        row = await pool.fetchrow(
            "SELECT state, message_id, lease_until > now() AS leased FROM idempotency_keys"
            " WHERE account_id = $1 AND key = $2",
            gw.creds["accountId"],
            key,
        )
    finally:
        await pool.close()
    return dict(row) if row else None


async def replayed(gw, headers: dict, timeout: float = 2.0):
    """The replay of a key's answer: the key is marked COMPLETED just after its 202 (in the
    background), so a retry in those milliseconds may still be told it is in flight."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        if response.status_code != 409 or asyncio.get_running_loop().time() > deadline:
            break
        assert response.json()["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS"
        await asyncio.sleep(0.05)
    assert response.status_code == 202, response.text
    assert response.headers["Idempotent-Replayed"] == "true"
    return response


async def test_a_retry_while_the_first_is_in_flight_gets_409_and_after_a_crash_sends_the_stored_id(
    start_gateway,
) -> None:
    async with start_gateway(publish_timeout_seconds=2.0, idempotency_lease_seconds=3.0) as gw:
        stalled = StalledPublisher(gw.app.state.submit_handler.publisher)
        gw.app.state.submit_handler.publisher = stalled
        headers = gw.headers(**{"Idempotency-Key": "otp-crash"})
        first = asyncio.create_task(gw.client.post(SUBMIT, json=gw.sms(), headers=headers))
        await asyncio.wait_for(stalled.stalled.wait(), 5)

        retry = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        gw.assert_error(retry, 409, "IDEMPOTENCY_IN_PROGRESS", "Idempotency-Key")
        assert 1 <= int(retry.headers["Retry-After"]) <= 3
        first.cancel()  # the gateway dies while Kafka has not acknowledged: nothing was queued
        with contextlib.suppress(asyncio.CancelledError):
            await first
        stored = await stored_key(gw, "otp-crash")
        assert stored is not None and stored["state"] == "PENDING"

        await asyncio.sleep(3.2)  # the dead owner's lease runs out
        after = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        assert after.status_code == 202, after.text
        assert after.json()["messageId"] == stored["message_id"]
        assert "Idempotent-Replayed" not in after.headers
        records = await gw.submitted(expect=1, wait=1.5)
        assert [r["subject"] for r in records] == [stored["message_id"]]
        assert (await stored_key(gw, "otp-crash"))["state"] == "COMPLETED"
        replay = await replayed(gw, headers)
        assert replay.json() == after.json()


async def test_a_publish_kafka_does_not_take_is_503_and_the_retry_sends_the_stored_id(
    start_gateway, kafka_settings: KafkaSettings
) -> None:
    absent = KafkaSettings(
        bootstrap_servers=kafka_settings.bootstrap_servers,
        topic_prefix=f"{kafka_settings.topic_prefix}absent.",
        default_partitions=kafka_settings.default_partitions,
    )
    async with start_gateway(kafka=absent, publish_timeout_seconds=1.0, idempotency_lease_seconds=60.0) as gw:
        headers = gw.headers(**{"Idempotency-Key": "otp-no-topic"})
        first = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        gw.assert_error(first, 503, "SERVICE_UNAVAILABLE")
        assert first.headers["Retry-After"] == "1"
        stored = await stored_key(gw, "otp-no-topic")
        assert stored is not None, "the key was released: a retry would get another message id"
        assert stored["state"] == "PENDING" and not stored["leased"]  # the failed publish ended its lease

        await ensure_topics(absent)
        try:
            retry = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
            assert retry.status_code == 202, retry.text  # at once, though the lease is a minute
            assert retry.json()["messageId"] == stored["message_id"]
            records = await gw.submitted(expect=1, wait=1.5)
            assert [r["subject"] for r in records] == [stored["message_id"]]
        finally:
            await delete_topics(absent)


async def test_a_publish_that_lands_after_its_timeout_keeps_one_message_id_for_the_key(start_gateway) -> None:
    async with start_gateway(publish_timeout_seconds=0.5, idempotency_lease_seconds=5.0) as gw:
        late = StalledPublisher(gw.app.state.submit_handler.publisher, lands_after=1.5)
        gw.app.state.submit_handler.publisher = late
        headers = gw.headers(**{"Idempotency-Key": "otp-late"})
        first = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        gw.assert_error(first, 503, "SERVICE_UNAVAILABLE")
        retry = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        assert retry.status_code == 202, retry.text
        await asyncio.wait_for(late.landed.wait(), 5)  # the first publish reached Kafka after all
        records = await gw.submitted(expect=2, wait=1.5)
        assert len(records) == 2
        assert {r["subject"] for r in records} == {retry.json()["messageId"]}  # one message, sent twice: deduped


async def test_concurrent_submits_with_one_key_send_one_message_and_the_others_are_told_it_is_in_flight(
    gateway,
) -> None:
    headers = gateway.headers(**{"Idempotency-Key": "order-1042-otp"})
    answers = await asyncio.gather(
        *(gateway.client.post(SUBMIT, json=gateway.sms(), headers=headers) for _ in range(5))
    )
    accepted = [a for a in answers if a.status_code == 202]
    in_flight = [a for a in answers if a.status_code == 409]
    assert len(accepted) + len(in_flight) == 5
    assert sum("Idempotent-Replayed" not in a.headers for a in accepted) == 1
    assert len({a.json()["messageId"] for a in accepted}) == 1
    for answer in in_flight:
        gateway.assert_error(answer, 409, "IDEMPOTENCY_IN_PROGRESS", "Idempotency-Key")
        assert int(answer.headers["Retry-After"]) >= 1
    later = await replayed(gateway, headers)
    assert later.json() == accepted[0].json()
    records = await gateway.submitted(expect=1, wait=1.5)
    assert [r["subject"] for r in records] == [later.json()["messageId"]]


async def test_a_different_body_under_a_key_in_flight_is_a_conflict(start_gateway) -> None:
    async with start_gateway(publish_timeout_seconds=2.0, idempotency_lease_seconds=3.0) as gw:
        stalled = StalledPublisher(gw.app.state.submit_handler.publisher)
        gw.app.state.submit_handler.publisher = stalled
        headers = gw.headers(**{"Idempotency-Key": "k-busy"})
        first = asyncio.create_task(gw.client.post(SUBMIT, json=gw.sms(), headers=headers))
        await asyncio.wait_for(stalled.stalled.wait(), 5)
        other = await gw.client.post(SUBMIT, json=gw.sms(variables=["1", "2"]), headers=headers)
        gw.assert_error(other, 409, "IDEMPOTENCY_CONFLICT", "Idempotency-Key")
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first


async def test_a_gateway_that_dies_after_the_ack_but_before_marking_the_key_leaves_one_message_id(
    start_gateway,
) -> None:
    async with start_gateway(publish_timeout_seconds=1.0, idempotency_lease_seconds=2.0) as gw:
        gw.app.state.submit_handler.idempotency.complete = lambda claim, message_id: None  # the process is gone
        headers = gw.headers(**{"Idempotency-Key": "otp-unmarked"})
        first = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        assert first.status_code == 202, first.text
        assert (await stored_key(gw, "otp-unmarked"))["state"] == "PENDING"
        soon = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        gw.assert_error(soon, 409, "IDEMPOTENCY_IN_PROGRESS", "Idempotency-Key")
        await asyncio.sleep(2.2)  # its lease runs out
        retry = await gw.client.post(SUBMIT, json=gw.sms(), headers=headers)
        assert retry.status_code == 202 and retry.json() == first.json()
        records = await gw.submitted(expect=2, wait=1.5)
        assert [r["subject"] for r in records] == [first.json()["messageId"]] * 2  # one message, deduped downstream
