"""Sending a batch of submit events: claim, prepare, send, record, announce.

A connector gives the pipeline its `Sending` (prepare the messages from the console's
data, send one through its provider); the pipeline keeps, per message attempt (key:
message id + attempt):
- a SENDING row is written before the provider is called; an attempt whose row is
  ACCEPTED or REFUSED is never sent again, only its status event is published again if
  it may be missing (not yet announced);
- an attempt still SENDING (the process died, or the call failed transiently, between the
  send and the write of its result) is sent again, by this process at once, by another
  once the dead one's lease ran out (`SendStore.claim`): the one window where a message
  can go out twice, unless the provider takes our id and refuses a repeat. An attempt
  another replica is sending now (both got the batch in a rebalance) is left to it, and
  the batch comes again (`NotSent`), by when it is decided;
- the write of the results goes through `until_written`: PostgreSQL restarting right
  after the provider accepted does not make the batch come again (and the send repeat);
- the status events of the batch are in Kafka before `send_batch` returns (the batch is
  committed only after its effects), and each attempt's row is marked announced in the
  transaction that published it;
- transient failures leave the attempt SENDING and raise `NotSent` once the rest is
  recorded and announced, so the batch comes again and only those are sent; with
  `max_send_tries`, an attempt that failed that often ends FAILED (CARRIER_UNAVAILABLE);
- an accepted attempt awaits its receipt until `receipt_deadline_seconds` after the
  provider took it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from prometheus_client import Counter

from cpaas.connector_kit.errors import SendError
from cpaas.connector_kit.sends import ACCEPTED, REFUSED, SENDING, Key, Send, SendResult, SendStore, key_of
from cpaas.connector_kit.statuses import first_status
from cpaas.contracts import ErrorCode, MessageSubmittedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.db import until_written
from cpaas.platform.logs import bind_log_context

log = logging.getLogger(__name__)


class Prepared(Protocol):
    """A message ready for the provider; what it holds besides its event is the connector's."""

    @property
    def event(self) -> MessageSubmittedV1: ...


class Sending(Protocol):
    """What a connector gives the pipeline."""

    async def prepare(self, events: Sequence[MessageSubmittedV1], claims: Mapping[Key, Send]) -> Sequence[Any]:
        """Per event, a `Prepared` to send, or a REFUSED `SendResult` (not sendable:
        template, sender, content); one lookup of the console's data for the batch."""
        ...

    async def send(self, item: Any) -> SendResult:
        """Send one prepared message: its ACCEPTED (or REFUSED) result. Raises SendError:
        retryable (it waits and is sent again) or a refusal (it ends FAILED)."""
        ...


def refused(
    event: MessageSubmittedV1, code: ErrorCode, detail: str, carrier_error_code: str | None = None
) -> SendResult:
    """The result of a send that did not happen or was refused for good."""
    return SendResult(
        event.message_id,
        event.attempt,
        REFUSED,
        datetime.now(UTC),
        error_code=code.value,
        error_detail=detail,
        carrier_error_code=carrier_error_code,
    )


@dataclass(frozen=True)
class SendCounts:
    """The connector's counter of handled attempts and its label for each outcome."""

    counter: Counter
    accepted: str = "accepted"
    refused: str | Callable[[SendResult], str] = "refused"
    already_sent: str = "already_sent"
    not_sent: str | None = "retry"

    def count(self, results: Sequence[SendResult], already_sent: int, not_sent: int) -> None:
        for result in results:
            if result.state == ACCEPTED:
                self.counter.labels(self.accepted).inc()
            else:
                label = self.refused(result) if callable(self.refused) else self.refused
                self.counter.labels(label).inc()
        if already_sent:
            self.counter.labels(self.already_sent).inc(already_sent)
        if not_sent and self.not_sent:
            self.counter.labels(self.not_sent).inc(not_sent)


class NotSent(SendError):
    """Some attempts of the batch failed transiently; the batch comes again."""


@dataclass
class SendPipeline:
    store: SendStore
    publisher: EventPublisher
    sending: Sending
    counts: SendCounts
    receipt_deadline_seconds: float
    concurrency: asyncio.Semaphore | None = None  # provider calls in flight at once, over all batches
    max_send_tries: int | None = None  # transient failures after which an attempt ends FAILED
    sender_id: Callable[[MessageSubmittedV1], str | None] | None = None  # instead of the event's
    provider_message_id: Callable[[MessageSubmittedV1], str] | None = None  # fixed before the send

    async def send_batch(self, events: Sequence[MessageSubmittedV1]) -> None:
        """Send what was never sent, publish every attempt's first status, then return.
        Raises NotSent when some attempts failed transiently (the others are recorded and
        announced first)."""
        unique = {key_of(e): e for e in events}
        if not unique:
            return
        claims = await self.store.claim(
            list(unique.values()), sender_id=self.sender_id, provider_message_id=self.provider_message_id
        )
        busy = [k for k in unique if k not in claims]  # another replica is sending them
        if busy:
            log.info("%d attempts are being sent by another replica; the batch comes again", len(busy))
        fresh = [e for k, e in unique.items() if k in claims and claims[k].state == SENDING]
        results, failures = await self._send_fresh(fresh, claims)
        if failures and self.max_send_tries is not None:
            results.update(await self._give_up(failures))
        decided = list(results.values())
        await until_written(  # a failed write would send these again when the batch comes back
            lambda: self.store.record(decided, receipt_deadline_seconds=self.receipt_deadline_seconds),
            what="send results",
        )
        await self.store.announce(list(unique), lambda rows: self._publish_first(rows, unique))
        not_sent = len([k for k in failures if k not in results]) + len(busy)
        self.counts.count(decided, len(unique) - len(fresh) - len(busy), not_sent)
        if not_sent:
            raise NotSent(f"{not_sent} of {len(unique)} messages were not sent; the batch comes again", retryable=True)

    async def _send_fresh(
        self, fresh: Sequence[MessageSubmittedV1], claims: Mapping[Key, Send]
    ) -> tuple[dict[Key, SendResult], dict[Key, SendError]]:
        if not fresh:
            return {}, {}
        prepared = await self.sending.prepare(fresh, claims)
        results = {item.key: item for item in prepared if isinstance(item, SendResult)}
        ready = [item for item in prepared if not isinstance(item, SendResult)]
        outcomes = await asyncio.gather(*(self._send_one(item) for item in ready))
        failures: dict[Key, SendError] = {}
        for item, outcome in zip(ready, outcomes, strict=True):
            if isinstance(outcome, SendResult):
                results[outcome.key] = outcome
            else:
                failures[key_of(item.event)] = outcome
        return results, failures

    async def _send_one(self, item: Prepared) -> SendResult | SendError:
        """The result of one send; a SendError returned is transient."""
        event = item.event
        with bind_log_context(message_id=event.message_id, account_id=event.account_id):
            try:
                async with self.concurrency or contextlib.nullcontext():
                    return await self.sending.send(item)
            except SendError as exc:
                if exc.retryable:
                    log.warning("message not sent; it will be sent again", extra={"error_detail": exc.detail})
                    return exc
                log.info("message refused by the provider", extra={"carrier_error_code": exc.carrier_error_code})
                return refused(event, exc.error_code, exc.detail, exc.carrier_error_code)

    async def _give_up(self, failures: Mapping[Key, SendError]) -> dict[Key, SendResult]:
        """Attempts whose transient failures reached `max_send_tries` end FAILED."""
        assert self.max_send_tries is not None
        tries = await self.store.count_failures(list(failures))
        return {
            key: SendResult(
                key[0],
                key[1],
                REFUSED,
                datetime.now(UTC),
                error_code=ErrorCode.CARRIER_UNAVAILABLE.value,
                error_detail=f"gave up after {count} transient failures; last: {failures[key].detail}",
                carrier_error_code=failures[key].carrier_error_code,
            )
            for key, count in tries.items()
            if count >= self.max_send_tries
        }

    async def _publish_first(self, rows: Sequence[Send], events: Mapping[Key, MessageSubmittedV1]) -> None:
        refusal_carries_id = self.provider_message_id is None  # a fixed id is not the provider's until it took it
        statuses = [
            first_status(
                self.store.channel,
                row,
                fallback_remaining=len(events[row.key].fallback),
                refusal_carries_id=refusal_carries_id,
            )
            for row in rows
        ]
        await self.publisher.publish_many((MSG_STATUS.name, s, s.message_id) for s in statuses)
