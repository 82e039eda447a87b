"""The whole platform in this test process, on the real Kafka and PostgreSQL and the
carrier sandbox: every service's own app (the same `build_app` its process runs), each
served over real HTTP on a free port, wired as `make run` wires them.

The platform is started once per test module (a database and a topic prefix of its
own); tests use distinct recipients and messages, so they do not see each other.
"""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from cpaas.billing.app import build_app as billing_app
from cpaas.billing.seed import ensure_opening_balance
from cpaas.billing.settings import BillingSettings
from cpaas.campaigns.app import build_app as campaigns_app
from cpaas.campaigns.settings import CampaignsSettings
from cpaas.console.app import build_app as console_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.contracts import Channel
from cpaas.gateway.app import build_app as gateway_app
from cpaas.gateway.settings import GatewaySettings
from cpaas.local.infra import LocalInfra
from cpaas.platform.db import create_pool
from cpaas.platform.kafka_admin import delete_topics, ensure_topics
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.rcs_connector.app import build_app as rcs_app
from cpaas.rcs_connector.settings import RcsConnectorSettings
from cpaas.reporting.app import build_app as reporting_app
from cpaas.reporting.settings import ReportingSettings
from cpaas.router.app import build_app as router_app
from cpaas.router.settings import RouterSettings
from cpaas.sandbox.app import build_app as sandbox_app
from cpaas.sandbox.rbm.settings import RbmSandboxSettings
from cpaas.sandbox.settings import SandboxSettings
from cpaas.sandbox.voice.settings import VoiceSandboxSettings
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings
from cpaas.sms_connector.app import build_app as sms_app
from cpaas.sms_connector.settings import SmsConnectorSettings
from cpaas.voice_connector.app import build_app as voice_app
from cpaas.voice_connector.settings import VoiceConnectorSettings
from cpaas.wa_connector.app import build_app as wa_app
from cpaas.wa_connector.settings import WaConnectorSettings
from cpaas.webhooks.app import build_app as webhooks_app
from cpaas.webhooks.settings import WebhooksSettings

OPENING_BALANCE_MINOR = 100_000
RECEIPT_TIMEOUT_SECONDS = 4.0  # the router's no-receipt timeout, short for the tests
WAIT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    creds: dict
    pg: PostgresSettings
    kafka: KafkaSettings
    urls: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.creds["apiKey"]}

    async def submit(self, **body: object) -> dict:
        response = await self.gateway.post("/api/v1/messages/submit", json=body, headers=self.headers())
        assert response.status_code == 202, response.text
        return response.json()

    async def message(self, message_id: str) -> dict | None:
        response = await self.gateway.get(f"/api/v1/messages/{message_id}", headers=self.headers())
        return response.json() if response.status_code == 200 else None

    async def wait_for(self, message_id: str, done, what: str) -> dict:
        """Poll the message through the public API until `done(message)`."""
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                message = await self.message(message_id)
                if message is not None and done(message):
                    return message
                await asyncio.sleep(0.2)
        raise AssertionError(what)

    async def sql(self, query: str, *args: object) -> list:
        conn = await asyncpg.connect(self.pg.dsn)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def platform(infra: LocalInfra, tmp_path_factory) -> AsyncIterator[Platform]:
    name = f"e2e_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(infra.postgres.admin_dsn())
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    pg = PostgresSettings(dsn=infra.postgres.admin_dsn(name), pool_max_size=5)
    kafka = KafkaSettings(
        bootstrap_servers=infra.settings.kafka_bootstrap, topic_prefix=f"{name}.", default_partitions=1
    )
    await ensure_topics(kafka)
    creds = await seed(pg, Path(tmp_path_factory.mktemp("e2e")) / "creds.json")
    pool = await create_pool(pg, schema="billing", application_name="e2e")
    await ensure_opening_balance(pool, creds["accountId"], OPENING_BALANCE_MINOR, "opening balance")
    await pool.close()

    common = {"kafka": kafka, "postgres": pg}
    socks = {n: bind_socket() for n in ("wa", "rcs", "voice", "gateway", "webhooks", "billing", "console", "campaigns")}
    port = {n: s.getsockname()[1] for n, s in socks.items()}
    smpp, wa_api, rbm_api, voice_api = free_port(), free_port(), free_port(), free_port()
    sandbox = SandboxSettings(
        smpp_port=smpp,
        receipt_delay_seconds=0.3,
        http_port=0,
        whatsapp=WhatsAppSandboxSettings(
            http_port=wa_api, webhook_url=f"http://127.0.0.1:{port['wa']}/webhooks/whatsapp", status_delay_seconds=0.2
        ),
        rbm=RbmSandboxSettings(
            http_port=rbm_api, webhook_url=f"http://127.0.0.1:{port['rcs']}/webhooks/rbm", event_delay_seconds=0.2
        ),
        voice=VoiceSandboxSettings(http_port=voice_api, call_progress_delay_seconds=0.1),
    )
    apps = [
        ("sandbox", sandbox_app(sandbox), bind_socket()),
        (
            "console",
            console_app(
                ConsoleSettings(
                    **common,
                    billing_url=f"http://127.0.0.1:{port['billing']}",
                    gateway_url=f"http://127.0.0.1:{port['gateway']}",
                    campaigns_url=f"http://127.0.0.1:{port['campaigns']}",  # its /internal/ routes, on its one port here
                    public_url=f"http://127.0.0.1:{port['console']}",
                    whatsapp_api_url=f"http://127.0.0.1:{wa_api}",  # linked numbers register there
                    rbm_api_url=f"http://127.0.0.1:{rbm_api}",  # requested bots are created there
                    # no ai service in this platform: templates are saved unchecked (never another
                    # platform's ai service on its default port, e.g. the launched one's)
                    ai_url=f"http://127.0.0.1:{free_port()}",
                )
            ),
            socks["console"],
        ),
        ("reporting", reporting_app(ReportingSettings(**common)), bind_socket()),
        ("billing", billing_app(BillingSettings(**common)), socks["billing"]),
        (
            "webhooks",
            webhooks_app(WebhooksSettings(**common, retry_base_seconds=0.2, retry_min_seconds=0.1)),
            socks["webhooks"],
        ),
        (
            "router",
            router_app(
                RouterSettings(
                    **common,
                    timer_interval_seconds=0.1,
                    receipt_timeout_seconds={c: RECEIPT_TIMEOUT_SECONDS for c in Channel},
                )
            ),
            bind_socket(),
        ),
        ("sms", sms_app(SmsConnectorSettings(**common, smpp_port=smpp)), bind_socket()),
        ("wa", wa_app(WaConnectorSettings(**common, base_url=f"http://127.0.0.1:{wa_api}")), socks["wa"]),
        ("rcs", rcs_app(RcsConnectorSettings(**common, base_url=f"http://127.0.0.1:{rbm_api}")), socks["rcs"]),
        (
            "voice",
            voice_app(
                VoiceConnectorSettings(
                    **common,
                    api_base_url=f"http://127.0.0.1:{voice_api}",
                    public_base_url=f"http://127.0.0.1:{port['voice']}",
                )
            ),
            socks["voice"],
        ),
        (
            "campaigns",
            campaigns_app(CampaignsSettings(**common, dispatch_tick_seconds=0.05, work_poll_seconds=0.2)),
            socks["campaigns"],
        ),
        (
            "gateway",
            gateway_app(
                GatewaySettings(
                    **common,
                    # its forwarded public routes (the console serves its /internal/ ones on its one port here)
                    console_internal_url=f"http://127.0.0.1:{port['console']}",
                    billing_url=f"http://127.0.0.1:{port['billing']}",
                    campaigns_url=f"http://127.0.0.1:{port['campaigns']}",
                )
            ),
            socks["gateway"],
        ),
    ]
    async with AsyncExitStack() as stack:
        urls = {}
        for service, app, sock in apps:
            bound = await stack.enter_async_context(serving(app, sock))
            urls[service] = f"http://127.0.0.1:{bound}"
        urls["rbm"] = f"http://127.0.0.1:{rbm_api}"  # the sandbox's RBM API (and its /sandbox/rbm inspection)
        urls["whatsapp"] = f"http://127.0.0.1:{wa_api}"  # the sandbox's Cloud API (and /sandbox/whatsapp)
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=urls["gateway"], timeout=10))
        yield Platform(client, creds, pg, kafka, urls)
    await delete_topics(kafka)
    admin = await asyncpg.connect(infra.postgres.admin_dsn())
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session")
def make_run(tmp_path_factory):
    """`make run`'s platform (the launcher, every service a process of its own), launched once
    for every browser journey of the run: each module makes its own tenants on it."""
    from .launched import Launcher  # launched imports this module

    launcher = Launcher(tmp_path_factory.mktemp("make-run") / "data")
    try:
        launched = launcher.start()
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield launched
    finally:
        launcher.stop()


@pytest.fixture(scope="module")
async def launched_platform(make_run) -> AsyncIterator[Platform]:
    """The launched platform as a module's tests use it (a gateway client of their own loop)."""
    async with httpx.AsyncClient(base_url=make_run.urls["gateway"], timeout=10) as gateway:
        yield Platform(gateway, make_run.creds, make_run.pg, make_run.kafka, make_run.urls)
