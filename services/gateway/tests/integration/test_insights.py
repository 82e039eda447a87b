"""`POST /api/v1/analytics/insights` with the API key: the caller's account's facts from the
rollups that the real reporting service keeps (its traffic published to Kafka as submit and
status events), answered by the real ai service (its own app over HTTP); another account's
traffic moves none of its numbers; the ai service down is 503 SERVICE_UNAVAILABLE; no key
is 401."""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from cpaas.ai.app import build_app as build_ai
from cpaas.ai.domain.insights import cited
from cpaas.ai.settings import AiSettings
from cpaas.contracts import Channel, ErrorCode, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.analytics import Insight
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.reporting.app import build_app as build_reporting
from cpaas.reporting.settings import ReportingSettings

pytestmark = pytest.mark.integration
WAIT_SECONDS = 60
NOWHERE_PG = PostgresSettings(dsn="postgresql://nobody@127.0.0.1:1/none")
NOWHERE_KAFKA = KafkaSettings(bootstrap_servers="127.0.0.1:1")


@pytest.fixture(scope="module")
async def ai_url() -> AsyncIterator[str]:
    app = build_ai(AiSettings(llm_base_url=None, llm_model=None, postgres=NOWHERE_PG, kafka=NOWHERE_KAFKA))
    async with serving(app, bind_socket()) as port:
        yield f"http://127.0.0.1:{port}"


def events(account_id: int, channel: Channel, status: MessageStatus, at: datetime, **kw) -> list:
    message_id = new_message_id(int(at.timestamp() * 1000))
    submitted = MessageSubmittedV1(
        message_id=message_id, account_id=account_id, channel=channel, recipient="+919876543210", template_id=5,
        template_name="order_update", sender_id="MYBRAND" if channel is Channel.SMS else None, attempt=1,
        fallback=[], submitted_at=datetime.now(UTC), variables={},
    )  # fmt: skip
    changed = MessageStatusChangedV1(
        message_id=message_id, account_id=account_id, channel=channel, attempt=1, status=status,
        recipient="+919876543210", occurred_at=datetime.now(UTC), **kw,
    )  # fmt: skip
    return [(SUBMIT_TOPICS[channel].name, submitted, message_id), (MSG_STATUS.name, changed, message_id)]


def traffic(mine: int, other: int) -> list:
    """Mine: SMS 100 (95 delivered), WhatsApp 100 (80 read, 20 failed); the other account: RCS 60 failed."""
    at = datetime.now(UTC) - timedelta(hours=3)
    out = []
    for n in range(100):
        t = at + timedelta(seconds=n)
        undelivered = {"error_code": ErrorCode.CARRIER_UNDELIVERABLE}
        out += events(mine, Channel.SMS, *((MessageStatus.DELIVERED, t) if n < 95 else (MessageStatus.UNDELIVERED, t)),
                      **({} if n < 95 else undelivered))  # fmt: skip
        failed = {"error_code": ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT}
        out += events(mine, Channel.WHATSAPP, *((MessageStatus.READ, t) if n < 80 else (MessageStatus.FAILED, t)),
                      **({} if n < 80 else failed))  # fmt: skip
    for n in range(60):
        out += events(
            other, Channel.RCS, MessageStatus.FAILED, at + timedelta(seconds=n), error_code=ErrorCode.CARRIER_REJECTED
        )
    return out


async def publish(kafka: KafkaSettings, records: list) -> None:
    broker = make_broker(kafka, client_id="test-insights")
    await broker.start()
    try:
        await EventPublisher(broker, kafka, source="test").publish_many(records)
    finally:
        await broker.stop()


async def test_insights_cite_the_callers_own_numbers(start_gateway, kafka_settings, pg_settings, ai_url) -> None:
    reporting = build_reporting(ReportingSettings(kafka=kafka_settings, postgres=pg_settings, shutdown_grace_seconds=5))
    async with reporting.router.lifespan_context(reporting), start_gateway(ai_url=ai_url) as gw:
        mine = gw.creds["accountId"]
        await publish(kafka_settings, traffic(mine, mine + 1000))
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            response = await gw.client.post("/api/v1/analytics/insights", headers=gw.headers())
            assert response.status_code == 200, response.text
            body = response.json()
            found = {i["kind"]: i for i in body["insights"]}
            if (
                "underperforming_channel" in found
                and found["underperforming_channel"]["facts"]["channel_messages"] == 100
            ):
                break
            assert time.monotonic() < deadline, body
            await asyncio.sleep(0.5)
        assert body["engine"] == "builtin"
        assert all(cited(Insight.model_validate(i)) for i in body["insights"])
        assert found["underperforming_channel"]["facts"] == {
            "channel": "WHATSAPP", "channel_rate_pct": 80.0, "channel_messages": 100,
            "best_channel": "SMS", "best_rate_pct": 95.0, "gap_pp": 15.0,
        }  # fmt: skip
        causes = [
            (i["facts"]["error_code"], i["facts"]["failed_messages"])
            for i in body["insights"]
            if i["kind"] == "failure_cause"
        ]
        assert causes == [
            ("CHANNEL_NOT_SUPPORTED_BY_RECIPIENT", 20),
            ("CARRIER_UNDELIVERABLE", 5),
        ]  # not CARRIER_REJECTED
        unauthenticated = await gw.client.post("/api/v1/analytics/insights")
        assert unauthenticated.status_code == 401


async def test_the_ai_service_down_is_503(start_gateway, reporting) -> None:
    sock = bind_socket()
    nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()  # nothing listens there now
    async with start_gateway(ai_url=nowhere) as gw:
        response = await gw.client.post("/api/v1/analytics/insights", headers=gw.headers())
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE" and response.headers["Retry-After"]
