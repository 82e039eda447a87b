"""Sending campaigns: one worker per account this process owns (ownership.py), which
validates the account's new campaigns and sends its runnable ones at their pace.

Every tick a worker reads its campaigns afresh (a pause or cancel takes effect within a
tick; a batch already published is still recorded), and for each runnable one: waits
for its schedule and, if promotional, the quiet hours to end (saying why); at its start
refuses an estimated cost over the balance (PAUSED with the estimate); then sends what
its bucket and the account's allow. Each batch passes the submit rules (templates still
approved, sender ID approved, account active, balance above zero, recipients not
blacklisted since validation) and is published like API submits, waiting for Kafka's
acks; only then does the cursor move, with the counts, in one transaction.

Crash safety: the cursor moves after the acks, so a crash between them publishes the
batch again with the same message ids (derived from campaign and row), which every
consumer dedupes: no row lost, none sent twice.
"""

import asyncio
import contextlib
import logging
import time
from datetime import datetime

from cpaas.campaigns.billing import BillingReader
from cpaas.campaigns.budget import over_budget
from cpaas.campaigns.clock import Clock
from cpaas.campaigns.control_plane import ConsoleData
from cpaas.campaigns.domain.ids import campaign_message_id
from cpaas.campaigns.domain.pacing import TokenBucket, allowance, take
from cpaas.campaigns.domain.quiet_hours import SendingWindow
from cpaas.campaigns.domain.request import Level, column_counts, level_variables, sendability
from cpaas.campaigns.domain.rows import Reason, Rejection
from cpaas.campaigns.domain.status import CampaignStatus, PauseCode
from cpaas.campaigns.ownership import Ownership
from cpaas.campaigns.store import Campaign, CampaignStore
from cpaas.campaigns.validation import Validator
from cpaas.contracts import Channel, FallbackLevel, MessageSubmittedV1
from cpaas.contracts.fraud import hold_for
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher

log = logging.getLogger(__name__)
ORPHAN_SWEEP_SECONDS = 3600
ACCOUNT = "account"


def levels_of(campaign: Campaign) -> list[Level]:
    levels = [Level("", Channel(campaign.channel), campaign.template_id, campaign.sender_id)]
    for i, level in enumerate(campaign.fallback):
        levels.append(Level(f"fallback[{i}].", Channel(level["channel"]), level["templateId"], level.get("senderId")))
    return levels


def scheduled_reason(at: datetime, zone_name: str) -> str:
    from zoneinfo import ZoneInfo

    return f"scheduled to start at {at.astimezone(ZoneInfo(zone_name)):%Y-%m-%d %H:%M} {zone_name}"


class Sender:
    """One campaign's batch: the submit rules, the events, publish, record."""

    def __init__(self, store: CampaignStore, console: ConsoleData, billing: BillingReader, publisher: EventPublisher):
        self.store, self.console, self.billing, self.publisher = store, console, billing, publisher

    async def blocker(self, campaign: Campaign) -> tuple[PauseCode, str] | None:
        """Why this campaign may not send now (it pauses), or None."""
        account = await self.console.account(campaign.account_id)
        if account is None or not account.active:
            return PauseCode.ACCOUNT_SUSPENDED, "the account is suspended"
        senders = await self.console.approved_sender_ids(campaign.account_id)
        for level in levels_of(campaign):
            template = await self.console.template(campaign.account_id, level.template_id)
            problem = sendability(level, template, senders)
            if problem:
                code = PauseCode.SENDER_ID_NOT_APPROVED if "sender ID" in problem else PauseCode.TEMPLATE_NOT_SENDABLE
                return code, problem
        balance, _ = await self.billing.balance(campaign.account_id)
        if balance <= 0:
            return PauseCode.INSUFFICIENT_BALANCE, (
                f"the balance ran out after {campaign.sent:,} messages; add credit, then resume"
            )
        return None

    async def over_budget(self, campaign: Campaign) -> str | None:
        problem = await over_budget(campaign, store=self.store, console=self.console, billing=self.billing)
        return f"{problem}; add credit, then resume" if problem else None

    async def send(self, campaign: Campaign, limit: int, now: datetime) -> tuple[int, CampaignStatus | None]:
        """Send up to `limit` rows after the cursor; (rows handled, status after) or (0, None)
        when the cursor had moved under us."""
        rows = await self.store.rows_after(campaign.id, campaign.cursor_row, limit)
        new_cursor = rows[-1]["seq"] if rows else campaign.last_row
        blacklist = await self.console.blacklist(campaign.account_id)
        holds = await self.console.fraud_holds(campaign.account_id)
        refused, items = [], []
        template = await self.console.template(campaign.account_id, campaign.template_id)
        for row in rows:
            if row["recipient"] in blacklist:
                reason = f"{row['recipient']} was blacklisted after the file was checked"
                refused.append(Rejection(row["seq"], row["line"], Reason.BLACKLISTED, reason, row["recipient"]))
                continue
            if (hold := hold_for(row["recipient"], holds)) is not None:
                reason = f"{row['recipient']} not sent: {hold.describe()}"
                refused.append(Rejection(row["seq"], row["line"], Reason.FRAUD_HOLD, reason, row["recipient"]))
                continue
            event = self._event(campaign, row, template.name if template else campaign.template_name, now)
            items.append((SUBMIT_TOPICS[Channel(campaign.channel)].name, event, event.message_id))
        if items:
            await self.publisher.publish_many(items)
        status = await self.store.commit_batch(campaign.id, campaign.cursor_row, new_cursor, len(items), refused)
        return (len(rows), status) if status is not None else (0, None)

    @staticmethod
    def _event(campaign: Campaign, row, template_name: str, now: datetime) -> MessageSubmittedV1:
        channel = Channel(campaign.channel)
        assert campaign.id_time_ms is not None
        primary, *fallback = level_variables(row["variables"], column_counts(campaign.variables, campaign.fallback))
        return MessageSubmittedV1(
            message_id=campaign_message_id(campaign.id_time_ms, campaign.id, row["seq"]),
            account_id=campaign.account_id,
            channel=channel,
            recipient=row["recipient"],
            template_id=campaign.template_id,
            template_name=template_name,
            sender_id=campaign.sender_id if channel is Channel.SMS else None,
            variables=primary or {},  # the primary always has its count
            attempt=1,
            fallback=[
                FallbackLevel(
                    channel=f["channel"], template_id=f["templateId"], sender_id=f.get("senderId"), variables=own
                )
                for f, own in zip(campaign.fallback, fallback, strict=True)
            ],
            campaign_id=campaign.id,
            submitted_at=now,
        )


class AccountWorker:
    """Validates and sends one account's campaigns while this process owns the account."""

    def __init__(self, account_id: int, owner: "Dispatcher") -> None:
        self.account_id, self.owner = account_id, owner
        settings = owner.settings
        self.bucket = TokenBucket(settings.account_rate_per_second)
        self.campaign_buckets: dict[int, TokenBucket] = {}
        self.validations: dict[int, asyncio.Task] = {}

    async def run(self) -> None:
        owner = self.owner
        try:
            while owner.ownership.holds(ACCOUNT, self.account_id):
                campaigns = await owner.store.active_campaigns(self.account_id)
                if not campaigns and not self.validations:
                    return
                for campaign in campaigns:
                    if not await self._step(campaign):
                        return
                await asyncio.sleep(owner.settings.dispatch_tick_seconds)
        finally:
            for task in self.validations.values():
                task.cancel()
            await owner.ownership.release(ACCOUNT, self.account_id)

    async def _step(self, campaign: Campaign) -> bool:
        """One tick of one campaign; False when this process no longer owns the account."""
        owner = self.owner
        if campaign.status is CampaignStatus.CREATED:
            self._validate(campaign)
            return True
        now = owner.clock.now()
        if campaign.scheduled_at is not None and campaign.scheduled_at > now:
            await owner.store.set_waiting(
                campaign.id, scheduled_reason(campaign.scheduled_at, campaign.time_zone), campaign.scheduled_at
            )
            return True
        if campaign.promotional and not owner.window.is_open(now):
            await owner.store.set_waiting(campaign.id, owner.window.waiting_reason(now), owner.window.next_opening(now))
            return True
        if campaign.status is CampaignStatus.QUEUED:
            await self._start(campaign, now)
            return True
        if campaign.status_reason is not None:
            await owner.store.set_waiting(campaign.id, None, None)
        return await self._send(campaign, now)

    def _validate(self, campaign: Campaign) -> None:
        task = self.validations.get(campaign.id)
        if task is not None and not task.done():
            return
        reason = scheduled_reason(campaign.scheduled_at, campaign.time_zone) if campaign.scheduled_at else None
        task = asyncio.create_task(self.owner.validator.run(campaign, reason), name=f"validate:{campaign.id}")
        task.add_done_callback(lambda t, cid=campaign.id: self._validated(cid, t))
        self.validations[campaign.id] = task

    def _validated(self, campaign_id: int, task: asyncio.Task) -> None:
        self.validations.pop(campaign_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("validation failed; it will start again", exc_info=task.exception())

    async def _start(self, campaign: Campaign, now: datetime) -> None:
        sender = self.owner.sender
        blocked = await sender.blocker(campaign)
        refusal = (PauseCode.INSUFFICIENT_BALANCE, await sender.over_budget(campaign)) if blocked is None else blocked
        if refusal[1] is not None:
            await self._pause(campaign, refusal[0], refusal[1])
            return
        await self.owner.store.start(campaign.id, int(now.timestamp() * 1000))
        log.info("campaign started", extra={"campaign_id": campaign.id, "account_id": campaign.account_id})

    async def _send(self, campaign: Campaign, now: datetime) -> bool:
        owner = self.owner
        bucket = self.campaign_buckets.setdefault(campaign.id, TokenBucket(owner.settings.campaign_rate_per_second))
        limit = allowance(bucket, self.bucket, time.monotonic(), owner.settings.dispatch_batch_max)
        if limit == 0:
            return True
        blocked = await owner.sender.blocker(campaign)
        if blocked is not None:
            await self._pause(campaign, *blocked)
            return True
        handled, status = await owner.sender.send(campaign, limit, now)
        if status is None:
            log.warning("campaign cursor moved by another process; giving the account up")
            return False
        take(bucket, self.bucket, handled)
        if status is CampaignStatus.COMPLETED:
            self.campaign_buckets.pop(campaign.id, None)
            log.info("campaign completed", extra={"campaign_id": campaign.id})
        return True

    async def _pause(self, campaign: Campaign, code: PauseCode, reason: str) -> None:
        await self.owner.store.transition(
            campaign.id,
            allowed=[CampaignStatus.QUEUED, CampaignStatus.PROCESSING],
            status=CampaignStatus.PAUSED,
            reason=reason,
            pause_code=code.value,
        )
        log.info("campaign paused", extra={"campaign_id": campaign.id, "reason": reason})


class Dispatcher:
    """Finds accounts with campaign work that no process owns, and runs their workers."""

    def __init__(
        self,
        *,
        settings,
        store: CampaignStore,
        console: ConsoleData,
        billing: BillingReader,
        publisher: EventPublisher,
        clock: Clock,
        dsn: str,
    ) -> None:
        from zoneinfo import ZoneInfo

        self.settings, self.store, self.clock, self.dsn = settings, store, clock, dsn
        self.sender = Sender(store, console, billing, publisher)
        self.validator = Validator(store, console, batch_rows=settings.validation_batch_rows)
        self.window = SendingWindow(
            settings.quiet_hours_open, settings.quiet_hours_close, ZoneInfo(settings.quiet_hours_time_zone)
        )
        self.ownership = Ownership(dsn)
        self.workers: dict[int, asyncio.Task] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def poke(self) -> None:
        """Look for work now (a campaign was created or resumed here)."""
        self._wake.set()

    async def start(self) -> None:
        await self.ownership.open()
        self._task = asyncio.create_task(self._supervise(), name="campaigns-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._stop_workers()
        await self.ownership.close()

    async def _stop_workers(self) -> None:
        tasks = list(self.workers.values())
        self.workers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _supervise(self) -> None:
        swept = 0.0
        while True:
            try:
                if self.ownership.lost.is_set():
                    await self._reopen()
                await self._claim_accounts()
                if time.monotonic() - swept > ORPHAN_SWEEP_SECONDS:
                    await self.store.delete_orphan_uploads(self.settings.orphan_upload_hours)
                    swept = time.monotonic()
            except Exception:
                log.exception("campaign supervision failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.work_poll_seconds)
            self._wake.clear()

    async def _reopen(self) -> None:
        await self._stop_workers()
        await self.ownership.close()
        self.ownership = Ownership(self.dsn)
        await self.ownership.open()

    async def _claim_accounts(self) -> None:
        for account_id in await self.store.accounts_with_work():
            running = self.workers.get(account_id)
            if running is not None and not running.done():
                continue
            if await self.ownership.try_take(ACCOUNT, account_id):
                task = asyncio.create_task(AccountWorker(account_id, self).run(), name=f"campaigns:{account_id}")
                task.add_done_callback(lambda t, a=account_id: self._worker_done(a, t))
                self.workers[account_id] = task

    def _worker_done(self, account_id: int, task: asyncio.Task) -> None:
        if self.workers.get(account_id) is task:
            del self.workers[account_id]
        if not task.cancelled() and task.exception() is not None:
            # picked up again at the next poll (work_poll_seconds), not at once: Kafka or
            # PostgreSQL being away must not make a hot loop of restarts
            log.error("campaign worker failed; it restarts at the next poll", exc_info=task.exception())
