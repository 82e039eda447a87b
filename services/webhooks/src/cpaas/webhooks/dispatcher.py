"""The dispatcher: claims due receipts and POSTs them, never letting one account hold up another.

Each round claims due rows (FOR UPDATE SKIP LOCKED, so replicas share them) up to the
free capacity of this process and at most CLAIMS_PER_SLOT x `per_account` per account,
and starts one task per receipt; at most `per_account` of an account's POSTs run at
once (the others wait for a slot, already claimed, so a slot never idles waiting for a
round). A task's result goes to the database with the others that finished meanwhile
(one statement per batch). A round runs when the consumer queued new receipts, when
a POST finished and an account that had more due work is down to its slots' worth, and
at least every `poll_seconds` for retries that fell due.

Guarantees: a receipt is POSTed at least once, and receivers dedupe on `eventId`. Claims
are tied to this process: it registers an instance id and renews its heartbeat every
`heartbeat_seconds`; a claimed row names its claimer. Every process, at each heartbeat,
makes the rows of instances silent for `instance_timeout_seconds` due again at once, so a
crash between a POST and its record (kill -9, a lost host) repeats those POSTs a few
seconds later, not after the claim lease (which stays as the backstop for a live process
whose POST task never ends). Shutdown stops claiming, waits up to the grace period for
POSTs in flight and records them, hands the claimed receipts not started yet back to the
queue, and retires the instance, so any POST cut off is due at once for another replica.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from cpaas.control_plane import Account, ControlPlane
from cpaas.platform.batching import MicroBatcher
from cpaas.platform.destination import DestinationError, DestinationUnresolved
from cpaas.platform.logs import bind_log_context
from cpaas.webhooks.destination import REFUSED_MESSAGE, DestinationGuard
from cpaas.webhooks.domain import RetrySchedule, signed_headers
from cpaas.webhooks.metrics import (
    ATTEMPT_SECONDS,
    ATTEMPTS,
    CLAIM_SECONDS,
    CLAIMED,
    DELIVERIES,
    IN_FLIGHT,
    RECORD_SECONDS,
)
from cpaas.webhooks.sender import ReceiptSender
from cpaas.webhooks.settings import CLAIMS_PER_SLOT
from cpaas.webhooks.store import AttemptResult, ClaimedDelivery, DeliveryStore

log = logging.getLogger(__name__)

ROUND_MAX_CLAIMS = 256  # receipts claimed per round, at most (rounds are frequent under load)
# Due rows looked at per round: enough to find several accounts' rows behind one account's backlog.
MIN_SCAN_ROWS = 256
SCAN_ROWS_PER_CLAIM = 2
IDLE_SWEEP_SECONDS = 60.0
RESULT_BATCH_MAX = 1000


@dataclass(frozen=True)
class DispatchLimits:
    max_in_flight: int
    per_account: int
    lease_seconds: float
    poll_seconds: float
    heartbeat_seconds: float = 1.0
    instance_timeout_seconds: float = 5.0


class Dispatcher:
    def __init__(
        self,
        store: DeliveryStore,
        control: ControlPlane,
        guard: DestinationGuard,
        sender: ReceiptSender,
        schedule: RetrySchedule,
        limits: DispatchLimits,
    ) -> None:
        self.store, self.control, self.guard, self.sender = store, control, guard, sender
        self.schedule, self.limits = schedule, limits
        self._results = MicroBatcher(self._record, max_size=RESULT_BATCH_MAX)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._claimed: dict[int, int] = {}  # account id -> receipts claimed, POST not finished
        self._slots: dict[int, asyncio.Semaphore] = {}  # account id -> its POST slots
        self._more_due = False  # the last round may have left due rows behind
        self._stopping = False
        self._unstarted: list[ClaimedDelivery] = []  # claimed, not POSTed when shutdown began
        self._loop: asyncio.Task | None = None
        self._heartbeat: asyncio.Task | None = None
        self.instance_id = uuid.uuid4()  # this process's claims are tied to it

    async def _record(self, results: list[AttemptResult]) -> list[None]:
        began = time.perf_counter()
        try:
            return await self.store.record(results)
        finally:
            RECORD_SECONDS.observe(time.perf_counter() - began)

    def wake(self) -> None:
        """New receipts were queued: claim them now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        await self.store.heartbeat(self.instance_id)  # registered before it claims anything
        self._heartbeat = asyncio.create_task(self._beat(), name="webhooks-dispatcher-heartbeat")
        self._loop = asyncio.create_task(self._run(), name="webhooks-dispatcher")

    async def _beat(self) -> None:
        """Renew this instance's heartbeat; rescue the claims of instances that stopped."""
        while True:
            await asyncio.sleep(self.limits.heartbeat_seconds)
            try:
                await self.store.heartbeat(self.instance_id)
                rescued = await self.store.rescue_dead_claims(self.limits.instance_timeout_seconds)
            except Exception:
                log.exception("webhook dispatcher heartbeat failed; trying again")
                continue
            if rescued:
                log.warning("receipts claimed by a dispatcher that stopped are due again", extra={"count": rescued})
                self._wake.set()

    async def stop(self, grace_seconds: float) -> None:
        """Stop claiming; wait up to `grace_seconds` for POSTs in flight and their records; hand
        back the claimed receipts not started yet, so they are due again at once."""
        self._stopping = True
        self._wake.set()
        if self._loop is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._tasks:
            log.info("waiting for webhook POSTs in flight", extra={"in_flight": len(self._tasks)})
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if pending:
                log.warning("webhook POSTs cut off by shutdown; due again at once", extra={"count": len(pending)})
        if self._unstarted:
            with contextlib.suppress(Exception):
                await self.store.unclaim(self._unstarted)
                log.info("claimed receipts handed back at shutdown", extra={"count": len(self._unstarted)})
        await self._stop_heartbeat()
        with contextlib.suppress(Exception):
            await self.store.retire(self.instance_id)  # a POST cut off above is due again at once
        await self.sender.aclose()

    async def _stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat

    async def _run(self) -> None:
        next_sweep = time.monotonic() + IDLE_SWEEP_SECONDS
        while not self._stopping:
            if not self._wake.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.limits.poll_seconds):
                        await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                break
            try:
                await self._claim_round()
            except Exception:
                log.exception("claiming due webhook receipts failed; trying again")
                await asyncio.sleep(self.limits.poll_seconds)
            if time.monotonic() > next_sweep:
                next_sweep = time.monotonic() + IDLE_SWEEP_SECONDS
                await self.sender.close_idle()

    async def _claim_round(self) -> None:
        capacity = min(self.limits.max_in_flight - len(self._tasks), ROUND_MAX_CLAIMS)
        if capacity <= 0:
            self._more_due = True
            return
        in_flight = dict(self._claimed)
        per_account = CLAIMS_PER_SLOT * self.limits.per_account
        began = time.perf_counter()
        claimed = await self.store.claim_due(
            capacity,
            per_account=per_account,
            in_flight=in_flight,
            scan=max(MIN_SCAN_ROWS, SCAN_ROWS_PER_CLAIM * capacity),
            lease_seconds=self.limits.lease_seconds,
            instance_id=self.instance_id,
        )
        CLAIM_SECONDS.observe(time.perf_counter() - began)
        CLAIMED.observe(len(claimed))
        for delivery in claimed:
            in_flight[delivery.account_id] = in_flight.get(delivery.account_id, 0) + 1
        # Due rows were left behind only if the claim hit a limit: this process's capacity,
        # or an account's share; then finished POSTs start another round.
        self._more_due = len(claimed) >= capacity or any(n >= per_account for n in in_flight.values())
        if claimed:
            accounts = await self.control.accounts({d.account_id for d in claimed})
            for delivery in claimed:
                self._start(delivery, accounts.get(delivery.account_id))

    def _start(self, delivery: ClaimedDelivery, account: Account | None) -> None:
        account_id = delivery.account_id
        self._claimed[account_id] = self._claimed.get(account_id, 0) + 1
        if account_id not in self._slots:
            self._slots[account_id] = asyncio.Semaphore(self.limits.per_account)
        task = asyncio.create_task(self._deliver(delivery, account, self._slots[account_id]))
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        IN_FLIGHT.set(len(self._tasks))

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        IN_FLIGHT.set(len(self._tasks))

    def _release(self, account_id: int) -> None:
        left = self._claimed[account_id] - 1
        if left:
            self._claimed[account_id] = left
        else:
            del self._claimed[account_id], self._slots[account_id]
        if self._more_due and left <= self.limits.per_account:  # its claimed-ahead receipts are all started
            self._wake.set()

    async def _deliver(self, delivery: ClaimedDelivery, account: Account | None, slots: asyncio.Semaphore) -> None:
        with bind_log_context(message_id=delivery.message_id, account_id=delivery.account_id):
            try:
                async with slots:
                    if self._stopping:
                        self._unstarted.append(delivery)
                        return
                    result = await self._attempt(delivery, account)
            except Exception as exc:  # a bug must not strand the receipt until its lease ends
                log.exception("webhook attempt failed unexpectedly; will retry")
                result = self._failed(delivery, datetime.now(UTC), time.perf_counter(), None, type(exc).__name__)
            finally:
                self._release(delivery.account_id)
            try:
                await self._results.submit(result)
            except Exception:
                log.exception("recording a webhook attempt failed; the receipt is retried when its lease ends")

    async def _attempt(self, delivery: ClaimedDelivery, account: Account | None) -> AttemptResult:
        started_at = datetime.now(UTC)
        began = time.perf_counter()
        # the current secret, and the previous one during its grace period: a signature by each
        secrets = account.signing_secrets(started_at) if account is not None else ()
        if not secrets:
            ATTEMPTS.labels("no_secret").inc()
            return self._failed(delivery, started_at, began, None, "the account has no webhook secret to sign with")
        try:
            target = await self.guard.resolve(delivery.url)
        except DestinationUnresolved as exc:
            ATTEMPTS.labels("unresolved").inc()
            return self._failed(delivery, started_at, began, None, str(exc))
        except DestinationError as exc:
            ATTEMPTS.labels("refused").inc()
            DELIVERIES.labels("refused").inc()
            log.warning("webhook destination not allowed; the receipt is not sent", extra={"reason": str(exc)})
            return self._result(delivery, started_at, began, None, REFUSED_MESSAGE, "FAILED")
        body = delivery.body
        post = await self.sender.post(
            delivery.account_id, target, body, signed_headers(secrets, int(time.time()), body)
        )
        ATTEMPT_SECONDS.observe(time.perf_counter() - began)
        ATTEMPTS.labels(post.outcome).inc()
        if post.ok:
            DELIVERIES.labels("delivered").inc()
            return self._result(delivery, started_at, began, post.status_code, None, "DELIVERED")
        return self._failed(delivery, started_at, began, post.status_code, post.error)

    def _failed(
        self, delivery: ClaimedDelivery, started_at: datetime, began: float, code: int | None, error: str | None
    ) -> AttemptResult:
        """A failed attempt: retried with backoff, or given up once past the give-up window."""
        now = datetime.now(UTC)
        next_at = self.schedule.next_attempt_at(delivery.attempt, delivery.created_at, now)
        extra = {"attempt": delivery.attempt, "status_code": code, "error": error}
        if next_at is None:
            DELIVERIES.labels("gave_up").inc()
            log.warning("webhook receipt given up", extra=extra)
            return self._result(delivery, started_at, began, code, error, "FAILED")
        log.info("webhook attempt failed; will retry", extra={**extra, "next_attempt_at": next_at.isoformat()})
        return self._result(delivery, started_at, began, code, error, "PENDING", next_at)

    @staticmethod
    def _result(
        delivery: ClaimedDelivery,
        started_at: datetime,
        began: float,
        code: int | None,
        error: str | None,
        status: str,
        next_at: datetime | None = None,
    ) -> AttemptResult:
        duration_ms = round((time.perf_counter() - began) * 1000)
        return AttemptResult(
            delivery.id, delivery.attempt, started_at, duration_ms, code, error, status, next_at, datetime.now(UTC)
        )
