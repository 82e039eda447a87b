"""The console applies providers' verdicts from template.status."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cpaas.console.app import build_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.console.store import ConsoleStore
from cpaas.contracts.events import TemplateStatusChangedV1
from cpaas.contracts.topics import TEMPLATE_STATUS
from cpaas.platform.broker import EventPublisher, make_broker


async def wait_for(pool, template_id: int, predicate, timeout: float = 10):
    async with asyncio.timeout(timeout):
        while True:
            row = await pool.fetchrow(
                "SELECT status, status_reason, provider_status, provider_template_id"
                " FROM console.templates WHERE id = $1",
                template_id,
            )
            if predicate(row):
                return row
            await asyncio.sleep(0.05)


async def test_a_provider_refusal_makes_the_template_failed_with_its_reason(
    kafka_settings, pg_settings, tmp_path: Path
) -> None:
    creds = await seed(pg_settings, tmp_path / "c.json")
    app = build_app(ConsoleSettings(kafka=kafka_settings, postgres=pg_settings))
    broker = make_broker(kafka_settings, client_id="test")
    await broker.start()
    publisher = EventPublisher(broker, kafka_settings, source="wa-connector")
    try:
        async with app.router.lifespan_context(app):
            store: ConsoleStore = app.state.store
            pending = await store.templates.create(
                creds["accountId"],
                name="reject_me",
                channel="WHATSAPP",
                body="Hi {{1}}",
                status="PENDING",
                category="MARKETING",
            )
            now = datetime.now(UTC)

            def verdict(status: str, at: datetime, reason: str | None = None) -> TemplateStatusChangedV1:
                return TemplateStatusChangedV1(
                    template_id=pending,
                    account_id=creds["accountId"],
                    channel="WHATSAPP",
                    status=status,
                    reason=reason,
                    provider_template_id="9981",
                    occurred_at=at,
                )

            await publisher.publish(TEMPLATE_STATUS.name, verdict("PENDING", now), subject=str(pending))
            row = await wait_for(store.pool, pending, lambda r: r["provider_status"] == "PENDING")
            assert row["status"] == "PENDING" and row["provider_template_id"] == "9981"
            await publisher.publish(
                TEMPLATE_STATUS.name,
                verdict("REJECTED", now + timedelta(seconds=1), "INVALID_FORMAT"),
                subject=str(pending),
            )
            row = await wait_for(store.pool, pending, lambda r: r["status"] == "FAILED")
            assert row["status_reason"] == "INVALID_FORMAT"
            # a late, older PENDING does not move it back
            await publisher.publish(TEMPLATE_STATUS.name, verdict("PENDING", now), subject=str(pending))
            await asyncio.sleep(1.0)
            row = await wait_for(store.pool, pending, lambda r: True)
            assert row["status"] == "FAILED" and row["provider_status"] == "FAILED"
    finally:
        await broker.stop()
