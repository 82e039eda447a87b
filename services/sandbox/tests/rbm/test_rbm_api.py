"""The RBM imitation: Google's RBM API shapes, magic numbers, signed events, reviews."""

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cpaas.platform.serve import bind_socket, serving
from cpaas.sandbox.rbm import RbmSandboxSettings, build_rbm_app, running_rbm_server

DEMO_AGENT, DEMO_SECRET = "cpaas_demo_agent", "local-dev-rbm-secret"
CLIENT_TOKEN = "local-dev-rbm-webhook-token"


@dataclass
class Webhook:
    """Receives the sandbox's event POSTs; answers `status` (a list is consumed in order)."""

    requests: list[httpx.Request] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200)

    @property
    def acknowledged(self) -> list[dict]:
        """Decoded `message.data` of every POST, in arrival order."""
        return [json.loads(base64.b64decode(json.loads(r.content)["message"]["data"])) for r in self.requests]

    async def wait_for(self, count: int, seconds: float = 3.0) -> list[dict]:
        async with asyncio.timeout(seconds):
            while len(self.requests) < count:
                await asyncio.sleep(0.01)
        return self.acknowledged


@dataclass
class Rbm:
    http: httpx.AsyncClient
    webhook: Webhook
    settings: RbmSandboxSettings

    async def send(
        self, msisdn: str, body: dict, *, message_id: str = "m-1", secret: str = DEMO_SECRET
    ) -> httpx.Response:
        return await self.http.post(
            f"/v1/phones/{msisdn}/agentMessages",
            params={"messageId": message_id, "agentId": DEMO_AGENT},
            json=body,
            headers={"Authorization": f"Bearer {secret}"},
        )


@pytest.fixture
async def rbm() -> AsyncIterator[Rbm]:
    settings = RbmSandboxSettings(
        event_delay_seconds=0.05,
        review_delay_seconds=0.05,
        webhook_retry_base_seconds=0.01,
        webhook_retry_max_seconds=0.05,
        webhook_retry_horizon_seconds=60.0,
        webhook_url="http://connector.test/webhooks/rbm",
    )
    webhook = Webhook()
    app = build_rbm_app(settings, webhook_transport=httpx.MockTransport(webhook.handle))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rbm.test") as http:
            yield Rbm(http, webhook, settings)


AUTH = {"Authorization": f"Bearer {DEMO_SECRET}"}
TEXT = {
    "contentMessage": {
        "text": "Welcome Asha! Your account is ready.",
        "suggestions": [
            {"reply": {"text": "Get started", "postbackData": "start"}},
            {"action": {"text": "Call us", "postbackData": "dial", "dialAction": {"phoneNumber": "+919000000001"}}},
            {"action": {"text": "Visit", "postbackData": "url", "openUrlAction": {"url": "https://example.com"}}},
        ],
    }
}


def card(n: int, suggestions: int = 1) -> dict:
    return {
        "title": f"Pick {n}",
        "description": f"Item {n}",
        "media": {
            "height": "MEDIUM",
            "contentInfo": {"fileUrl": f"https://example.com/{n}.png", "forceRefresh": False},
        },
        "suggestions": [{"reply": {"text": "Buy", "postbackData": f"buy-{n}-{i}"}} for i in range(suggestions)],
    }


def carousel(cards: int) -> dict:
    contents = [card(n) for n in range(cards)]
    return {"contentMessage": {"richCard": {"carouselCard": {"cardWidth": "MEDIUM", "cardContents": contents}}}}


def standalone(orientation: str = "VERTICAL", **extra: object) -> dict:
    standalone_card = {"cardOrientation": orientation, "cardContent": card(1), **extra}
    return {"contentMessage": {"richCard": {"standaloneCard": standalone_card}}}


async def test_capability_check_lists_rcs_features(rbm: Rbm) -> None:
    response = await rbm.http.get(
        "/v1/phones/+919876543210/capabilities", params={"requestId": "r-1", "agentId": DEMO_AGENT}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json() == {
        "features": ["RICHCARD_STANDALONE", "RICHCARD_CAROUSEL", "ACTION_DIAL", "ACTION_OPEN_URL"]
    }


async def test_number_ending_903_is_not_rcs_capable(rbm: Rbm) -> None:
    response = await rbm.http.get(
        "/v1/phones/+919876543903/capabilities", params={"requestId": "r-1", "agentId": DEMO_AGENT}, headers=AUTH
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
    sent = await rbm.send("+919876543903", TEXT)
    assert (sent.status_code, sent.json()["error"]["status"]) == (404, "NOT_FOUND")


async def test_wrong_bot_secret_is_401_unauthenticated(rbm: Rbm) -> None:
    response = await rbm.send("+919876543210", TEXT, secret="not-the-secret")
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (401, "UNAUTHENTICATED")
    assert error["message"]
    assert (await rbm.http.get("/sandbox/rbm/messages")).json()["messages"] == []


async def test_accepted_message_is_echoed_then_delivered_by_a_signed_push(rbm: Rbm) -> None:
    response = await rbm.send("+919876543210", TEXT, message_id="msg-42")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "phones/+919876543210/agentMessages/msg-42"
    assert body["contentMessage"] == TEXT["contentMessage"]
    assert body["sendTime"].endswith("Z")
    [event] = await rbm.webhook.wait_for(1)
    assert {k: event[k] for k in ("senderPhoneNumber", "eventType", "messageId", "agentId")} == {
        "senderPhoneNumber": "+919876543210",
        "eventType": "DELIVERED",
        "messageId": "msg-42",
        "agentId": DEMO_AGENT,
    }
    assert event["eventId"] and event["sendTime"]
    request = rbm.webhook.requests[0]
    push = json.loads(request.content)
    assert set(push) == {"message", "subscription"}
    assert set(push["message"]) == {"data", "messageId", "publishTime"}
    data = base64.b64decode(push["message"]["data"])
    expected = base64.b64encode(hmac.new(CLIENT_TOKEN.encode(), data, hashlib.sha512).digest()).decode()
    assert request.headers["X-Goog-Signature"] == expected


async def test_number_ending_904_is_delivered_then_read(rbm: Rbm) -> None:
    assert (await rbm.send("+919876543904", TEXT)).status_code == 200
    events = await rbm.webhook.wait_for(2)
    assert [e["eventType"] for e in events] == ["DELIVERED", "READ"]


async def test_number_ending_905_is_refused_at_send(rbm: Rbm) -> None:
    response = await rbm.send("+919876543905", TEXT)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "FAILED_PRECONDITION"
    [received] = (await rbm.http.get("/sandbox/rbm/messages", params={"msisdn": "919876543905"})).json()["messages"]
    assert (received["status_code"], received["error_status"]) == (400, "FAILED_PRECONDITION")


@pytest.mark.parametrize("msisdn", ["+919876543901", "+919876543902"])
async def test_numbers_ending_901_and_902_are_accepted_and_never_delivered(rbm: Rbm, msisdn: str) -> None:
    assert (await rbm.send(msisdn, TEXT)).status_code == 200
    await asyncio.sleep(0.3)
    assert rbm.webhook.requests == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (carousel(1), "cardContents"),
        (carousel(11), "cardContents"),
        (
            {
                "contentMessage": {
                    "richCard": {"standaloneCard": {"cardOrientation": "VERTICAL", "cardContent": card(1, 5)}}
                }
            },
            "suggestions",
        ),
        (standalone("HORIZONTAL"), "thumbnailImageAlignment"),
        ({"contentMessage": {"text": "hi", "richCard": carousel(2)["contentMessage"]["richCard"]}}, "exactly one"),
        ({"contentMessage": {"text": "hi", "colour": "red"}}, "Unknown name"),
        ({"contentMessage": {"text": "hi", "suggestions": [{"reply": {"text": "x"}}]}}, "postbackData"),
        ({"contentMessage": {"text": "x" * 3073}}, "text"),
        (
            {
                "contentMessage": {
                    "richCard": {"standaloneCard": {"cardOrientation": "SIDEWAYS", "cardContent": card(1)}}
                }
            },
            "cardOrientation",
        ),
    ],
)
async def test_malformed_agent_message_is_400_invalid_argument(rbm: Rbm, body: dict, problem: str) -> None:
    response = await rbm.send("+919876543210", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert problem in error["message"]


async def test_rich_cards_and_carousels_are_accepted(rbm: Rbm) -> None:
    for n, body in enumerate(
        [standalone(), standalone("HORIZONTAL", thumbnailImageAlignment="LEFT"), carousel(2), carousel(10)]
    ):
        response = await rbm.send("+919876543210", body, message_id=f"m-{n}")
        assert response.status_code == 200, response.text


async def test_reused_message_id_is_409_already_exists(rbm: Rbm) -> None:
    assert (await rbm.send("+919876543210", TEXT, message_id="same")).status_code == 200
    again = await rbm.send("+919876543210", TEXT, message_id="same")
    assert (again.status_code, again.json()["error"]["status"]) == (409, "ALREADY_EXISTS")


async def test_event_is_posted_again_until_the_webhook_answers_200(rbm: Rbm) -> None:
    rbm.webhook.statuses = [503, 500]
    assert (await rbm.send("+919876543210", TEXT)).status_code == 200
    events = await rbm.webhook.wait_for(3)
    assert [e["eventType"] for e in events] == ["DELIVERED"] * 3
    posted = (await rbm.http.get("/sandbox/rbm/events")).json()["events"]
    assert (posted[0]["attempts"], posted[0]["acknowledged"]) == (3, True)


async def test_read_waits_until_delivered_is_acknowledged_however_many_tries_it_takes(rbm: Rbm) -> None:
    """RBM redelivers for 7 days; the old sandbox dropped an event after its last pause."""
    rbm.webhook.statuses = [503] * 20
    assert (await rbm.send("+919876543904", TEXT)).status_code == 200
    events = await rbm.webhook.wait_for(22, seconds=10)
    assert [e["eventType"] for e in events] == ["DELIVERED"] * 21 + ["READ"]
    posted = (await rbm.http.get("/sandbox/rbm/events")).json()["events"]
    assert [(p["event"]["eventType"], p["attempts"], p["acknowledged"]) for p in posted] == [
        ("DELIVERED", 21, True),
        ("READ", 1, True),
    ]


async def test_an_event_past_the_horizon_is_given_up_and_counted() -> None:
    settings = RbmSandboxSettings(
        event_delay_seconds=0.0,
        webhook_url="http://connector.test/webhooks/rbm",
        webhook_retry_base_seconds=0.02,
        webhook_retry_max_seconds=0.05,
        webhook_retry_horizon_seconds=0.3,
    )
    app = build_rbm_app(settings, webhook_transport=httpx.MockTransport(lambda _: httpx.Response(500)))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rbm.test") as http,
    ):
        assert (await Rbm(http, Webhook(), settings).send("+919876543210", TEXT)).status_code == 200
        async with asyncio.timeout(3):
            while True:
                posted = (await http.get("/sandbox/rbm/events")).json()["events"]
                if posted and posted[0]["given_up"]:
                    break
                await asyncio.sleep(0.02)
    assert (posted[0]["given_up"], posted[0]["acknowledged"], posted[0]["last_status"]) == ("expired", False, 500)
    assert posted[0]["attempts"] >= 4


async def test_received_messages_are_listed_by_msisdn(rbm: Rbm) -> None:
    await rbm.send("+919876543210", TEXT, message_id="a")
    await rbm.send("+919876543211", TEXT, message_id="b")
    listed = (await rbm.http.get("/sandbox/rbm/messages", params={"msisdn": "+919876543211"})).json()["messages"]
    assert [(m["message_id"], m["agent_id"], m["body"]) for m in listed] == [("b", DEMO_AGENT, TEXT)]


async def test_template_is_pending_then_approved_by_a_template_event(rbm: Rbm) -> None:
    response = await rbm.http.post(
        f"/v1/agents/{DEMO_AGENT}/templates",
        json={"name": "rcs_welcome", "type": "TEXT", "content": TEXT["contentMessage"]},
        headers=AUTH,
    )
    assert response.status_code == 200
    created = response.json()
    assert created["state"] == "PENDING"
    assert created["name"] == f"agents/{DEMO_AGENT}/templates/{created['templateId']}"
    [event] = await rbm.webhook.wait_for(1)
    assert event == {
        "templateEvent": {
            "agentId": DEMO_AGENT,
            "templateId": created["templateId"],
            "name": "rcs_welcome",
            "state": "APPROVED",
        }
    }
    fetched = await rbm.http.get(f"/v1/agents/{DEMO_AGENT}/templates/{created['templateId']}", headers=AUTH)
    assert fetched.json()["state"] == "APPROVED"


async def test_template_named_reject_is_rejected_with_a_reason(rbm: Rbm) -> None:
    response = await rbm.http.post(
        f"/v1/agents/{DEMO_AGENT}/templates",
        json={"name": "reject_offer", "type": "CAROUSEL", "content": carousel(2)["contentMessage"]},
        headers=AUTH,
    )
    assert response.json()["state"] == "PENDING"
    [event] = await rbm.webhook.wait_for(1)
    assert event["templateEvent"]["state"] == "REJECTED"
    assert "reject_" in event["templateEvent"]["reason"]


async def test_template_whose_type_does_not_match_its_content_is_400(rbm: Rbm) -> None:
    response = await rbm.http.post(
        f"/v1/agents/{DEMO_AGENT}/templates",
        json={"name": "card", "type": "RICH_CARD", "content": TEXT["contentMessage"]},
        headers=AUTH,
    )
    assert (response.status_code, response.json()["error"]["status"]) == (400, "INVALID_ARGUMENT")


async def test_registered_agent_is_approved_and_its_secret_then_sends(rbm: Rbm) -> None:
    response = await rbm.http.post(
        "/v1/brands/-/agents",
        json={"displayName": "Acme", "handle": "acme-bot"},
        headers={"Authorization": f"Bearer {rbm.settings.partner_token}"},
    )
    assert response.status_code == 200
    agent = response.json()
    assert agent["state"] == "PENDING" and agent["name"] == f"agents/{agent['agentId']}"
    headers = {"Authorization": f"Bearer {agent['secret']}"}
    params = {"messageId": "m-1", "agentId": agent["agentId"]}
    early = await rbm.http.post("/v1/phones/+919876543210/agentMessages", params=params, json=TEXT, headers=headers)
    assert early.status_code == 401  # not approved yet
    [event] = await rbm.webhook.wait_for(1)
    assert event == {"agentEvent": {"agentId": agent["agentId"], "name": agent["name"], "state": "APPROVED"}}
    unlaunched = await rbm.http.post(
        "/v1/phones/+919876543210/agentMessages", params=params, json=TEXT, headers=headers
    )
    assert (unlaunched.status_code, unlaunched.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
    partner = {"Authorization": f"Bearer {rbm.settings.partner_token}"}
    launch = await rbm.http.post(f"/v1/brands/-/agents/{agent['agentId']}:requestLaunch", headers=partner)
    assert (launch.status_code, launch.json()["launchState"]) == (200, "LAUNCHED")
    sent = await rbm.http.post("/v1/phones/+919876543210/agentMessages", params=params, json=TEXT, headers=headers)
    assert sent.status_code == 200


async def test_only_a_verified_agent_is_launched_and_only_by_the_partner(rbm: Rbm) -> None:
    partner = {"Authorization": f"Bearer {rbm.settings.partner_token}"}
    created = await rbm.http.post(
        "/v1/brands/-/agents", json={"displayName": "Acme", "handle": "acme-launch"}, headers=partner
    )
    agent_id = created.json()["agentId"]
    early = await rbm.http.post(f"/v1/brands/-/agents/{agent_id}:requestLaunch", headers=partner)
    assert (early.status_code, early.json()["error"]["status"]) == (400, "FAILED_PRECONDITION")  # not verified yet
    await rbm.webhook.wait_for(1)
    by_bot = await rbm.http.post(f"/v1/brands/-/agents/{agent_id}:requestLaunch", headers=AUTH)
    assert by_bot.status_code == 401
    unknown = await rbm.http.post("/v1/brands/-/agents/nobody_agent:requestLaunch", headers=partner)
    assert (unknown.status_code, unknown.json()["error"]["status"]) == (404, "NOT_FOUND")
    assert (await rbm.http.post(f"/v1/brands/-/agents/{agent_id}:requestLaunch", headers=partner)).status_code == 200
    [listed] = [a for a in (await rbm.http.get("/sandbox/rbm/agents")).json()["agents"] if a["agent_id"] == agent_id]
    assert listed["launched"] is True


async def test_an_unknown_agent_cannot_send(rbm: Rbm) -> None:
    response = await rbm.http.post(
        "/v1/phones/+919876543210/agentMessages",
        params={"messageId": "m-x", "agentId": "nobody_agent"},
        json=TEXT,
        headers=AUTH,
    )
    assert (response.status_code, response.json()["error"]["status"]) == (401, "UNAUTHENTICATED")


async def test_agent_registration_needs_the_partner_token(rbm: Rbm) -> None:
    response = await rbm.http.post(
        "/v1/brands/-/agents", json={"displayName": "Acme", "handle": "acme-bot"}, headers=AUTH
    )
    assert response.status_code == 401


async def test_agent_with_a_reject_handle_is_rejected(rbm: Rbm) -> None:
    response = await rbm.http.post(
        "/v1/brands/-/agents",
        json={"displayName": "Spam", "handle": "reject_spam"},
        headers={"Authorization": f"Bearer {rbm.settings.partner_token}"},
    )
    [event] = await rbm.webhook.wait_for(1)
    assert event["agentEvent"]["state"] == "REJECTED"
    assert event["agentEvent"]["agentId"] == response.json()["agentId"]


async def test_served_on_a_free_port_it_posts_events_to_a_real_webhook() -> None:
    received: list[httpx.Request] = []
    settings = RbmSandboxSettings(http_port=0, event_delay_seconds=0.0, webhook_url="http://hook.test/rbm")
    transport = httpx.MockTransport(lambda request: received.append(request) or httpx.Response(200))
    async with (
        running_rbm_server(settings, webhook_transport=transport) as running,
        httpx.AsyncClient(base_url=running.base_url) as http,
    ):
        response = await http.post(
            "/v1/phones/+919876543210/agentMessages",
            params={"messageId": "m-1", "agentId": DEMO_AGENT},
            json=TEXT,
            headers=AUTH,
        )
        assert response.status_code == 200
        async with asyncio.timeout(3):
            while not received:
                await asyncio.sleep(0.01)
    assert str(received[0].url) == "http://hook.test/rbm"


async def test_template_media_is_fetched_at_review_and_an_unfetchable_one_rejects_it(rbm: Rbm) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

    async def file(request: Request) -> Response:  # a plain file server
        name = request.path_params["name"]
        if name.endswith(".png") and "missing" not in name:
            return Response(png, media_type="image/png")
        return Response("not found", status_code=404)

    media = Starlette(routes=[Route("/{name}", file)])

    async with serving(media, bind_socket()) as port:
        base = f"http://127.0.0.1:{port}"
        content = carousel(2)["contentMessage"]
        cards = content["richCard"]["carouselCard"]["cardContents"]
        for n, item in enumerate(cards):
            item["media"]["contentInfo"]["fileUrl"] = f"{base}/card{n}.png"
        good = await rbm.http.post(
            f"/v1/agents/{DEMO_AGENT}/templates",
            json={"name": "offers", "type": "CAROUSEL", "content": content},
            headers=AUTH,
        )
        cards[1]["media"]["contentInfo"]["fileUrl"] = f"{base}/missing.png"
        bad = await rbm.http.post(
            f"/v1/agents/{DEMO_AGENT}/templates",
            json={"name": "offers2", "type": "CAROUSEL", "content": content},
            headers=AUTH,
        )
        events = {e["templateEvent"]["name"]: e["templateEvent"] for e in await rbm.webhook.wait_for(2)}
    assert events["offers"]["state"] == "APPROVED"
    assert events["offers2"]["state"] == "REJECTED"
    assert f"{base}/missing.png (404)" in events["offers2"]["reason"]
    registered = {t["template_id"]: t for t in (await rbm.http.get("/sandbox/rbm/templates")).json()["templates"]}
    media_of_good = registered[good.json()["templateId"]]["media"]
    assert [(m["url"], m["status"], m["contentType"], m["bytes"]) for m in media_of_good] == [
        (f"{base}/card0.png", 200, "image/png", len(png)),
        (f"{base}/card1.png", 200, "image/png", len(png)),
    ]
    assert bad.json()["state"] == "PENDING"
