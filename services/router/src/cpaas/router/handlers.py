"""The router's effects: chains from submit events, decisions from status events and
from deadlines, and the events they publish.

Order of effects (per batch, and per timer round): the chains are locked (SELECT ... FOR
UPDATE), decided, the resulting events are published and acknowledged, and only then is
the new chain state committed. A crash between publishing and committing makes the same
decision again on redelivery and publishes the same (message, attempt) events again;
connectors send each (message, attempt) once and reporting ignores a repeated status, so
a fallback is never sent twice.

`register` is the one subscriber (group "router", batches of submits and statuses,
offsets committed after `Router.apply` returned: NACK_ON_ERROR). The subscriber exists
from `build_app`; the Router (over the pool and the console's data) from the lifespan's
start (cpaas.platform.started: a batch before that raises, nothing is committed).
"""

import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.contracts import (
    ErrorCode,
    MessageStatus,
    MessageStatusChangedV1,
    MessageSubmittedV1,
)
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.control_plane import ControlPlane
from cpaas.platform.broker import BatchMessage, EventPublisher, PoisonRecord, dead_letter, decode_event, subscribe
from cpaas.platform.settings import KafkaSettings
from cpaas.platform.started import Started
from cpaas.router import store
from cpaas.router.domain import (
    ACTIVE,
    DELIVERED,
    EXHAUSTED,
    Chain,
    Decision,
    deadline_for,
    level_variables,
    on_deadline,
    on_status,
)
from cpaas.router.metrics import FALLBACKS
from cpaas.router.settings import RouterSettings

log = logging.getLogger(__name__)
FINAL = {MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.FAILED, MessageStatus.UNDELIVERED}
TIMER_BATCH = 200
MAX_RECORDS = 500


class Router:
    def __init__(
        self, pool: asyncpg.Pool, control: ControlPlane, publisher: EventPublisher, settings: RouterSettings
    ) -> None:
        self.pool, self.control, self.publisher, self.settings = pool, control, publisher, settings

    # -- chains from submit events ---------------------------------------------------------
    def chain_of(self, submit: MessageSubmittedV1) -> Chain | None:
        if submit.attempt != 1 or not submit.fallback:
            return None  # no fallback, or a level this router opened itself
        primary = type(submit.fallback[0])(
            channel=submit.channel,
            template_id=submit.template_id,
            sender_id=submit.sender_id,
            variables=dict(submit.variables),
        )
        return Chain(
            submit.message_id,
            submit.account_id,
            submit.recipient,
            dict(submit.variables),
            submit.campaign_id,
            [primary, *submit.fallback],
            1,
            ACTIVE,
            deadline_for(submit.channel, submit.submitted_at, self.settings.receipt_timeout_seconds),
        )

    async def apply(self, submits: list[MessageSubmittedV1], statuses: list[MessageStatusChangedV1]) -> None:
        """One batch: new chains first, then every status in arrival order."""
        chains = [c for c in (self.chain_of(s) for s in submits) if c is not None]
        async with self.pool.acquire() as conn, conn.transaction():
            created = await store.create_chains(conn, chains)
            parked = await store.take_parked(conn, created)
            inputs = [
                (
                    r["message_id"],
                    r["attempt"],
                    MessageStatus(r["status"]),
                    ErrorCode(r["error_code"]) if r["error_code"] else None,
                )
                for r in parked
            ]
            inputs += [(s.message_id, s.attempt, s.status, s.error_code) for s in statuses]
            if not inputs:
                return
            locked = await store.lock_chains(conn, sorted({i[0] for i in inputs}))
            early = [
                (m, a, st.value, e.value if e else None)
                for m, a, st, e in inputs
                if m not in locked and st in FINAL and a == 1
            ]
            await store.park_statuses(conn, early)
            changed: dict[str, Chain] = {}
            outgoing: list = []
            for message_id, attempt, status, error_code in inputs:
                chain = locked.get(message_id)
                if chain is None:
                    continue
                decision = on_status(chain, attempt, status, error_code)
                if decision.changes_anything:
                    outgoing += await self._effects(chain, decision)
                    changed[message_id] = chain
            await self.publisher.publish_many(outgoing)
            await store.save_chains(conn, list(changed.values()))

    # -- deadlines -------------------------------------------------------------------------
    async def fire_due(self) -> int:
        """Apply every due deadline (a level without a receipt in time); returns how many."""
        now = datetime.now(UTC)
        async with self.pool.acquire() as conn, conn.transaction():
            due = await store.lock_due_chains(conn, now, TIMER_BATCH)
            outgoing: list = []
            for chain in due:
                outgoing += await self._effects(chain, on_deadline(chain, now))
            await self.publisher.publish_many(outgoing)
            await store.save_chains(conn, due)
        return len(due)

    # -- effects ---------------------------------------------------------------------------
    async def _effects(self, chain: Chain, decision: Decision) -> list[tuple[str, object, str]]:
        """Mutates `chain` to its new state and returns the events to publish."""
        now = datetime.now(UTC)
        if decision.delivered:
            chain.state, chain.deadline_at = DELIVERED, None
            return []
        failed_level = chain.levels[chain.current_attempt - 1]
        if decision.failed_final:
            chain.state, chain.deadline_at = EXHAUSTED, None
            FALLBACKS.labels("exhausted").inc()
            if not decision.publish_failed_status:
                return []
            status = MessageStatusChangedV1(
                message_id=chain.message_id,
                account_id=chain.account_id,
                channel=failed_level.channel,
                attempt=chain.current_attempt,
                status=MessageStatus.FAILED,
                recipient=chain.recipient,
                occurred_at=now,
                error_code=decision.error_code or ErrorCode.CARRIER_UNDELIVERABLE,
                error_detail="every channel level failed",
                campaign_id=chain.campaign_id,
            )
            return [(MSG_STATUS.name, status, chain.message_id)]
        attempt = decision.next_attempt
        level = chain.levels[attempt - 1]
        chain.current_attempt = attempt
        chain.deadline_at = deadline_for(level.channel, now, self.settings.receipt_timeout_seconds)
        FALLBACKS.labels(f"{failed_level.channel}->{level.channel}").inc()
        log.info(
            "falling back",
            extra={
                "message_id": chain.message_id,
                "account_id": chain.account_id,
                "from_channel": failed_level.channel,
                "to_channel": level.channel,
                "attempt": attempt,
            },
        )
        retrying = MessageStatusChangedV1(
            message_id=chain.message_id,
            account_id=chain.account_id,
            channel=level.channel,
            attempt=attempt,
            status=MessageStatus.RETRYING,
            recipient=chain.recipient,
            occurred_at=now,
            error_code=decision.error_code,
            error_detail=f"{failed_level.channel} level failed; trying {level.channel}",
            template_id=level.template_id,
            sender_id=level.sender_id,
            campaign_id=chain.campaign_id,
        )
        submit = MessageSubmittedV1(
            message_id=chain.message_id,
            account_id=chain.account_id,
            channel=level.channel,
            recipient=chain.recipient,
            template_id=level.template_id,
            template_name=await self._template_name(level.template_id),
            sender_id=level.sender_id,
            variables=level_variables(chain, level),
            attempt=attempt,
            fallback=chain.levels[attempt:],
            campaign_id=chain.campaign_id,
            submitted_at=now,
        )
        return [
            (MSG_STATUS.name, retrying, chain.message_id),
            (SUBMIT_TOPICS[level.channel].name, submit, chain.message_id),
        ]

    async def _template_name(self, template_id: int) -> str | None:
        template = (await self.control.templates([template_id])).get(template_id)
        return template.name if template else None


def register(broker: KafkaBroker, kafka: KafkaSettings, router: Started[Router], *, linger_ms: int = 0) -> None:
    """The router's one subscriber: every submit topic and msg.status, in batches."""
    status_topic = kafka.topic(MSG_STATUS.name)
    topics = [kafka.topic(t.name) for t in SUBMIT_TOPICS.values()] + [status_topic]

    @subscribe(
        broker,
        *topics,
        group_id="router",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        linger_ms=linger_ms,
        batch=True,
        max_records=MAX_RECORDS,
        batch_timeout_ms=5,
    )
    async def handle(body: list[Any], msg: BatchMessage) -> None:
        submits, statuses = [], []
        for record in msg.raw_message:
            model = MessageStatusChangedV1 if record.topic == status_topic else MessageSubmittedV1
            try:
                event = decode_event(model, record.value)
            except PoisonRecord as exc:
                await dead_letter(broker, record, exc)
                continue
            (statuses if model is MessageStatusChangedV1 else submits).append(event.data)
        await router().apply(submits, statuses)
