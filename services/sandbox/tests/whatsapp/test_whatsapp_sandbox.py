"""The WhatsApp Cloud API imitation: Graph answers, magic numbers, signed webhooks (the
imitation in-process, a webhook receiver served over real HTTP)."""

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from cpaas.sandbox.whatsapp import WhatsAppSandboxSettings, bind_socket, build_whatsapp_app, serving
from cpaas.sandbox.whatsapp.cloud import REJECTION_INFO

TOKEN = "local-dev-wa-token"
APP_SECRET = "local-dev-wa-app-secret"
PHONE_NUMBER_ID, WABA_ID = "106540352242922", "102290129340398"
WAIT_SECONDS = 5
# redeliveries every 50-200 ms instead of Meta's minutes, for up to a minute
FAST_REDELIVERY = {
    "webhook_retry_base_seconds": 0.05,
    "webhook_retry_max_seconds": 0.2,
    "webhook_retry_horizon_seconds": 60.0,
}
OUTAGE_SECONDS = 4.5  # longer than the old sandbox's 5 tries (0.25 + 0.5 + 1 + 2 s of pauses)


@dataclass
class Receiver:
    """Collects the webhooks POSTed to it: (headers, raw body) in arrival order."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answer_status: int = 200
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/whatsapp")
        async def webhook(request: Request) -> Response:
            self.received.append((dict(request.headers), await request.body()))
            self._arrived.set()
            return Response(status_code=self.answer_status)

        return app

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]

    def statuses(self, wamid: str) -> list[dict[str, Any]]:
        return [
            status
            for payload in self.payloads()
            for entry in payload["entry"]
            for change in entry["changes"]
            if change["field"] == "messages"
            for status in change["value"].get("statuses", [])
            if status["id"] == wamid
        ]

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_SECONDS):
            while not condition():
                self._arrived.clear()
                await self._arrived.wait()


@asynccontextmanager
async def receiving(port: int = 0) -> AsyncIterator[Receiver]:
    receiver = Receiver()
    sock = bind_socket("127.0.0.1", port)
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/whatsapp"
    async with serving(receiver.app(), sock):
        yield receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as r:
        yield r


def sandbox_settings(webhook_url: str, **overrides: Any) -> WhatsAppSandboxSettings:
    values: dict[str, Any] = {
        "webhook_url": webhook_url,
        "status_delay_seconds": 0.02,
        "template_review_delay_seconds": 0.05,
        **overrides,
    }
    return WhatsAppSandboxSettings(**values)


@asynccontextmanager
async def running_sandbox(
    settings: WhatsAppSandboxSettings, *, register: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """The imitation's lifespan running; a client talking to it in-process (ASGI). The demo
    number is registered first (as the console does when a number is linked), unless not `register`."""
    app = build_whatsapp_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://graph.sandbox") as client:
            if register:
                registered = await client.post(f"/v21.0/{PHONE_NUMBER_ID}/register", json=REGISTER, headers=auth())
                assert registered.json() == {"success": True}
            yield client


@pytest.fixture
async def graph(receiver: Receiver) -> AsyncIterator[httpx.AsyncClient]:
    async with running_sandbox(sandbox_settings(receiver.url)) as client:
        yield client


@pytest.fixture
def sandbox_with() -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with sandbox_with(webhook_url, **settings) as graph:` a sandbox set up so."""
    return lambda url, **overrides: running_sandbox(sandbox_settings(url, **overrides))


def template_send(to: str, **extra: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "en"},
            "components": [
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"link": "https://example.com/box.png"}}],
                },
                {"type": "body", "parameters": [{"type": "text", "text": "Asha"}, {"type": "text", "text": "A-1042"}]},
            ],
        },
        **extra,
    }


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SEND = f"/v21.0/{PHONE_NUMBER_ID}/messages"
REGISTER = {"messaging_product": "whatsapp", "pin": "000000"}


async def test_a_number_sends_only_once_registered_as_meta_registers_it(receiver: Receiver) -> None:
    async with running_sandbox(sandbox_settings(receiver.url), register=False) as graph:
        refused = await graph.post(SEND, json=template_send("919876543210"), headers=auth())
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert (error["code"], error["error_subcode"], error["type"]) == (100, 33, "GraphMethodException")
        assert f"Object with ID '{PHONE_NUMBER_ID}' does not exist" in error["message"]
        assert (await graph.get("/sandbox/whatsapp/messages")).json()["messages"] == []  # nothing was sent
        stranger = await graph.post(f"/v21.0/{PHONE_NUMBER_ID}/register", json=REGISTER, headers=auth("wrong"))
        assert stranger.status_code == 401  # a registration needs a valid access token
        bad_pin = await graph.post(f"/v21.0/{PHONE_NUMBER_ID}/register", json={**REGISTER, "pin": "12"}, headers=auth())
        assert (bad_pin.status_code, bad_pin.json()["error"]["code"]) == (400, 100)
        ok = await graph.post(f"/v21.0/{PHONE_NUMBER_ID}/register", json=REGISTER, headers=auth())
        assert (ok.status_code, ok.json()) == (200, {"success": True})
        listed = (await graph.get("/sandbox/whatsapp/phone-numbers")).json()["phone_numbers"]
        assert [n["id"] for n in listed] == [PHONE_NUMBER_ID]
        sent = await graph.post(SEND, json=template_send("919876543210"), headers=auth())
        assert sent.status_code == 200
        other = await graph.post("/v21.0/999000111/messages", json=template_send("919876543210"), headers=auth())
        assert (other.status_code, other.json()["error"]["error_subcode"]) == (400, 33)


TEMPLATES = f"/v21.0/{WABA_ID}/message_templates"


async def send(graph: httpx.AsyncClient, to: str, **extra: object) -> str:
    response = await graph.post(SEND, json=template_send(to, **extra), headers=auth())
    assert response.status_code == 200, response.text
    return response.json()["messages"][0]["id"]


async def test_template_send_is_answered_like_the_graph_api_and_listed(graph: httpx.AsyncClient) -> None:
    response = await graph.post(SEND, json=template_send("919876543210"), headers=auth())
    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "919876543210", "wa_id": "919876543210"}]
    [message] = body["messages"]
    assert message["id"].startswith("wamid.")
    listed = (await graph.get("/sandbox/whatsapp/messages", params={"to": "+919876543210"})).json()["messages"]
    assert [(m["wamid"], m["template_name"], m["language"], m["outcome"]) for m in listed] == [
        (message["id"], "order_update", "en", "DELIVERED")
    ]
    assert listed[0]["request"]["template"]["components"][1]["parameters"][1] == {"type": "text", "text": "A-1042"}


@pytest.mark.parametrize("token", ["wrong-token", ""])
async def test_send_with_a_bad_token_is_401_code_190(graph: httpx.AsyncClient, token: str) -> None:
    response = await graph.post(SEND, json=template_send("919876543210"), headers=auth(token))
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("OAuthException", 190)
    assert error["message"] and error["fbtrace_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"messaging_product": "whatsapp", "to": "919876543210", "type": "template"},
        {"messaging_product": "sms", "to": "919876543210", "type": "text", "text": {"body": "hi"}},
        {**template_send("919876543210"), "to": "not-a-number"},
        {**template_send("919876543210"), "template": {"name": "x", "language": {}}},
    ],
)
async def test_malformed_send_is_400_code_100(graph: httpx.AsyncClient, body: dict) -> None:
    response = await graph.post(SEND, json=body, headers=auth())
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (100, "(#100) Invalid parameter")
    assert error["error_data"]["details"]


async def test_body_that_is_not_json_is_400_code_100(graph: httpx.AsyncClient) -> None:
    response = await graph.post(SEND, content=b"{nope", headers={**auth(), "Content-Type": "application/json"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


async def test_recipient_ending_905_is_refused_at_the_send_with_131030(
    graph: httpx.AsyncClient, receiver: Receiver
) -> None:
    response = await graph.post(SEND, json=template_send("919876543905"), headers=auth())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 131030
    assert "not in allowed list" in error["message"]
    [listed] = (await graph.get("/sandbox/whatsapp/messages", params={"to": "919876543905"})).json()["messages"]
    assert (listed["wamid"], listed["http_status"]) == (None, 400)
    await asyncio.sleep(0.1)
    assert receiver.received == []


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("919876543210", ["sent", "delivered"]),
        ("919876543904", ["sent", "delivered", "read"]),
        ("919876543903", ["failed"]),
        ("919876543901", ["sent", "failed"]),
    ],
)
async def test_statuses_follow_the_magic_number_in_order(
    graph: httpx.AsyncClient, receiver: Receiver, to: str, expected: list[str]
) -> None:
    wamid = await send(graph, to, biz_opaque_callback_data="msg_X:1")
    await receiver.wait_until(lambda: len(receiver.statuses(wamid)) == len(expected))
    statuses = receiver.statuses(wamid)
    assert [s["status"] for s in statuses] == expected
    assert {s["recipient_id"] for s in statuses} == {to}
    assert {s["biz_opaque_callback_data"] for s in statuses} == {"msg_X:1"}
    assert all(s["timestamp"].isdigit() for s in statuses)


async def test_no_whatsapp_fails_with_131026_and_901_with_131049(graph: httpx.AsyncClient, receiver: Receiver) -> None:
    no_whatsapp = await send(graph, "919876543903")
    not_delivered = await send(graph, "919876543901")
    await receiver.wait_until(lambda: len(receiver.statuses(not_delivered)) == 2 and receiver.statuses(no_whatsapp))
    [failed] = receiver.statuses(no_whatsapp)
    assert failed["errors"][0]["code"] == 131026
    assert failed["errors"][0]["title"] == "Receiver is incapable of receiving this message"
    assert receiver.statuses(not_delivered)[1]["errors"][0]["code"] == 131049


async def test_recipient_ending_902_gets_sent_then_nothing(graph: httpx.AsyncClient, receiver: Receiver) -> None:
    wamid = await send(graph, "919876543902")
    await receiver.wait_until(lambda: bool(receiver.statuses(wamid)))
    await asyncio.sleep(0.2)
    assert [s["status"] for s in receiver.statuses(wamid)] == ["sent"]


async def test_webhooks_have_the_real_envelope_and_a_valid_signature(
    graph: httpx.AsyncClient, receiver: Receiver
) -> None:
    wamid = await send(graph, "919876543210")
    await receiver.wait_until(lambda: len(receiver.statuses(wamid)) == 2)
    for headers, raw in receiver.received:
        expected = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-hub-signature-256"], expected)
    payload = receiver.payloads()[0]
    assert payload["object"] == "whatsapp_business_account"
    [entry] = payload["entry"]
    assert entry["id"] == WABA_ID
    [change] = entry["changes"]
    assert change["field"] == "messages"
    assert change["value"]["messaging_product"] == "whatsapp"
    assert change["value"]["metadata"] == {"display_phone_number": "919000000001", "phone_number_id": PHONE_NUMBER_ID}
    sent = change["value"]["statuses"][0]
    assert sent["pricing"]["category"] == "utility" and sent["conversation"]["id"]


async def test_webhook_is_retried_after_connection_errors(
    sandbox_with: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]],
) -> None:
    probe = bind_socket()
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on `port` yet: the first POSTs are refused
    async with sandbox_with(
        f"http://127.0.0.1:{port}/webhooks/whatsapp", status_delay_seconds=0, **FAST_REDELIVERY
    ) as graph:
        wamid = await send(graph, "919876543902")
        await asyncio.sleep(0.4)
        async with receiving(port) as receiver:
            await receiver.wait_until(lambda: bool(receiver.statuses(wamid)))
            async with asyncio.timeout(WAIT_SECONDS):  # the sender records the outcome once answered
                while not (listed := await listed_statuses(graph, "919876543902")):
                    await asyncio.sleep(0.01)
    assert [s["status"] for s in receiver.statuses(wamid)] == ["sent"]
    assert listed == [{"status": "sent", "webhook_delivered": True}]


async def test_statuses_wait_out_a_receiver_outage_longer_than_a_few_tries_and_keep_their_order(
    sandbox_with: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]],
) -> None:
    """Meta redelivers for up to 7 days; the old sandbox gave up after 5 tries (about 4 s)."""
    probe = bind_socket()
    port = probe.getsockname()[1]
    probe.close()
    url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
    async with sandbox_with(url, status_delay_seconds=0, **FAST_REDELIVERY) as graph:
        wamid = await send(graph, "919876543904")  # sent, delivered, read
        await asyncio.sleep(OUTAGE_SECONDS)
        async with receiving(port) as receiver:
            await receiver.wait_until(lambda: len(receiver.statuses(wamid)) == 3)
            async with asyncio.timeout(WAIT_SECONDS):  # the sender records the outcome once answered
                while len(listed := await listed_statuses(graph, "919876543904")) < 3:
                    await asyncio.sleep(0.01)
    assert [s["status"] for s in receiver.statuses(wamid)] == ["sent", "delivered", "read"]
    assert listed == [{"status": s, "webhook_delivered": True} for s in ("sent", "delivered", "read")]


async def test_a_webhook_answered_4xx_is_redelivered_too(
    receiver: Receiver, sandbox_with: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
) -> None:
    """Meta retries any answer but 200 (a receiver that refuses the signature for a while)."""
    receiver.answer_status = 401
    async with sandbox_with(receiver.url, **FAST_REDELIVERY) as graph:
        wamid = await send(graph, "919876543902")
        await receiver.wait_until(lambda: len(receiver.statuses(wamid)) >= 3)
        receiver.answer_status = 200
        async with asyncio.timeout(WAIT_SECONDS):
            while not (listed := await listed_statuses(graph, "919876543902")):
                await asyncio.sleep(0.01)
    assert listed == [{"status": "sent", "webhook_delivered": True}]


async def listed_statuses(graph: httpx.AsyncClient, to: str) -> list[dict]:
    [listed] = (await graph.get("/sandbox/whatsapp/messages", params={"to": to})).json()["messages"]
    return listed["statuses"]


def template_registration(name: str) -> dict:
    return {
        "name": name,
        "language": "en",
        "category": "UTILITY",
        "components": [
            # an upload-session handle (not a link): nothing to fetch
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2UvcG5n:ARb0x"]}},
            {"type": "BODY", "text": "Hi {{1}}, order {{2}} shipped.", "example": {"body_text": [["Asha", "A-1"]]}},
            {"type": "FOOTER", "text": "CPaaS Demo"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]},
        ],
    }


async def reviews(receiver: Receiver) -> list[dict]:
    return [
        change["value"]
        for payload in receiver.payloads()
        for entry in payload["entry"]
        for change in entry["changes"]
        if change["field"] == "message_template_status_update"
    ]


@pytest.mark.parametrize(
    ("name", "event", "reason"), [("order_update", "APPROVED", None), ("reject_promo", "REJECTED", "INVALID_FORMAT")]
)
async def test_registered_template_is_pending_then_reviewed_by_webhook(
    graph: httpx.AsyncClient, receiver: Receiver, name: str, event: str, reason: str | None
) -> None:
    response = await graph.post(TEMPLATES, json=template_registration(name), headers=auth())
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["category"]) == ("PENDING", "UTILITY")
    assert body["id"].isdigit()
    await receiver.wait_until(lambda: bool(receiver.payloads()))
    [review] = await reviews(receiver)
    assert review == {
        "event": event,
        "message_template_id": int(body["id"]),
        "message_template_name": name,
        "message_template_language": "en",
        "reason": reason,
        "message_template_category": "UTILITY",
        **({"rejection_info": REJECTION_INFO} if reason else {}),
    }
    assert receiver.payloads()[0]["entry"][0]["id"] == WABA_ID


@pytest.mark.parametrize(
    "change",
    [{"name": "Order-Update"}, {"category": "PROMO"}, {"components": [{"type": "FOOTER", "text": "no body"}]}],
)
async def test_invalid_template_registration_is_400_code_100(graph: httpx.AsyncClient, change: dict) -> None:
    response = await graph.post(TEMPLATES, json={**template_registration("order_update"), **change}, headers=auth())
    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


async def test_template_registration_with_a_bad_token_is_401(graph: httpx.AsyncClient) -> None:
    response = await graph.post(TEMPLATES, json=template_registration("order_update"), headers=auth("nope"))
    assert (response.status_code, response.json()["error"]["code"]) == (401, 190)


async def test_unknown_api_version_is_refused(graph: httpx.AsyncClient) -> None:
    response = await graph.post(f"/latest/{PHONE_NUMBER_ID}/messages", json=template_send("919876543210"))
    assert response.status_code == 400


async def test_a_linked_media_header_is_fetched_at_review_and_an_unfetchable_one_rejects(
    graph: httpx.AsyncClient, receiver: Receiver
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    files = FastAPI()

    @files.get("/{name}")
    async def file(name: str) -> Response:
        if name == "box.png":
            return Response(png, media_type="image/png")
        if name == "note.txt":
            return Response("text", media_type="text/plain")
        return Response("not found", status_code=404)

    async with serving(files, bind_socket()) as port:
        verdicts = {}
        for name, handle in [("box_ok", "box.png"), ("box_gone", "gone.png"), ("box_text", "note.txt")]:
            registration = template_registration(name)
            registration["components"][0]["example"]["header_handle"] = [f"http://127.0.0.1:{port}/{handle}"]
            assert (await graph.post(TEMPLATES, json=registration, headers=auth())).status_code == 200
        await receiver.wait_until(lambda: len(receiver.payloads()) >= 3)
        for review in await reviews(receiver):
            verdicts[review["message_template_name"]] = (review["event"], review["reason"])
    assert verdicts["box_ok"] == ("APPROVED", None)
    assert verdicts["box_gone"][0] == "REJECTED" and "(404)" in verdicts["box_gone"][1]
    assert verdicts["box_text"][0] == "REJECTED" and "not an image" in verdicts["box_text"][1]


async def test_a_template_pending_review_is_refused_with_132001_until_meta_approves_it(
    sandbox_with, receiver: Receiver
) -> None:
    async with sandbox_with(receiver.url, template_review_delay_seconds=0.3) as graph:
        registered = await graph.post(TEMPLATES, json=template_registration("order_update"), headers=auth())
        assert registered.json()["status"] == "PENDING"
        pending = await graph.post(SEND, json=template_send("+919876543210"), headers=auth())
        assert pending.status_code == 404
        error = pending.json()["error"]
        assert (error["code"], error["message"]) == (
            132001,
            "(#132001) Template name does not exist in the translation",
        )
        assert error["error_data"]["details"] == "template name (order_update) does not exist in en"
        await receiver.wait_until(lambda: bool(receiver.payloads()))
        approved = await graph.post(SEND, json=template_send("+919876543210"), headers=auth())
        assert approved.status_code == 200


async def test_a_rejected_template_is_refused_and_its_review_says_why_and_what_to_change(
    graph: httpx.AsyncClient, receiver: Receiver
) -> None:
    await graph.post(TEMPLATES, json=template_registration("reject_promo"), headers=auth())
    await receiver.wait_until(lambda: bool(receiver.payloads()))
    [review] = await reviews(receiver)
    assert review["rejection_info"]["reason"] and review["rejection_info"]["recommendation"]
    send = template_send("+919876543210")
    send["template"]["name"] = "reject_promo"
    refused = await graph.post(SEND, json=send, headers=auth())
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, 132001)
