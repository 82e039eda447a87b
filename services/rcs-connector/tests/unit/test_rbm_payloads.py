"""Recorded payloads drive the RBM provider: the exact outbound AgentMessage for each
template kind, what each recorded webhook means, and that no secret reaches a log."""

import base64
import dataclasses
import json
import logging
from pathlib import Path

import httpx
import pytest

from cpaas.rcs_connector.domain.rendering import render_message
from cpaas.rcs_connector.providers.base import Bot, SendError, WebhookRejected
from cpaas.rcs_connector.providers.rbm import RbmProvider

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
SECRET = "local-dev-rbm-secret"
CLIENT_TOKEN = "local-dev-rbm-webhook-token"
PARTNER_TOKEN = "local-dev-rbm-partner-token"
BOT = Bot(id=1, account_id=7, bot_id="cpaas_demo_agent", api_key=SECRET, status="ACTIVE")
SENDS = sorted(TESTDATA.glob("send_*.json"))
WEBHOOKS = sorted(TESTDATA.glob("webhook_*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def provider_answering(requests: list[httpx.Request], status: int, body: dict) -> RbmProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(status, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://rbm.test")
    return RbmProvider(http, client_token=CLIENT_TOKEN, partner_token=PARTNER_TOKEN)


def assert_no_secret_logged(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    for record in caplog.records:
        text = f"{record.getMessage()} {vars(record)}"
        for secret in secrets:
            assert secret not in text, f"a secret reached the log: {record.name}: {record.getMessage()}"


@pytest.mark.parametrize("path", SENDS, ids=lambda p: p.stem)
async def test_outbound_agent_message_is_the_recorded_one(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    case = load(path)
    requests: list[httpx.Request] = []
    pmid = case["providerMessageId"]
    provider = provider_answering(
        requests, 200, {"name": f"phones/{case['recipient']}/agentMessages/{pmid}", "sendTime": "2025-06-01T10:15:30Z"}
    )
    message = render_message(**case["template"], variables=case["variables"])
    with caplog.at_level(logging.DEBUG):
        accepted = await provider.send(BOT, case["recipient"], pmid, message)
    [request] = requests
    expected = case["expected"]
    assert request.method == expected["method"]
    assert request.url.path == expected["path"]
    assert dict(request.url.params) == expected["query"]
    assert json.loads(request.content) == expected["body"]
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert accepted.provider_message_id == pmid
    assert accepted.accepted_at.isoformat() == "2025-06-01T10:15:30+00:00"
    assert caplog.records, "the check below means something only if the send logged (httpx logs each request)"
    assert_no_secret_logged(caplog, SECRET)


@pytest.mark.parametrize("path", WEBHOOKS, ids=lambda p: p.stem)
def test_recorded_webhook_means_what_it_says(path: Path) -> None:
    case = load(path)
    body = json.dumps(case["body"]).encode()
    assert json.loads(base64.b64decode(case["body"]["message"]["data"])) == case["event"]
    provider = RbmProvider(httpx.AsyncClient(), client_token=CLIENT_TOKEN, partner_token=PARTNER_TOKEN)
    parsed = provider.parse_webhook(case["headers"], body)
    meaning = {
        "deliveries": [
            {**dataclasses.asdict(d), "status": d.status.value, "occurred_at": d.occurred_at.isoformat()}
            for d in parsed.deliveries
        ],
        "templates": [dataclasses.asdict(t) for t in parsed.templates],
        "bots": [dataclasses.asdict(b) for b in parsed.bots],
        "ignored": parsed.ignored,
    }
    assert {k: v for k, v in meaning.items() if v} == case["expected"]


@pytest.mark.parametrize("path", WEBHOOKS, ids=lambda p: p.stem)
def test_recorded_webhook_with_another_signature_is_rejected(path: Path) -> None:
    case = load(path)
    provider = RbmProvider(httpx.AsyncClient(), client_token="another-token", partner_token=PARTNER_TOKEN)
    with pytest.raises(WebhookRejected):
        provider.parse_webhook(case["headers"], json.dumps(case["body"]).encode())


def test_webhook_whose_data_was_changed_is_rejected() -> None:
    case = load(TESTDATA / "webhook_delivered.json")
    forged = {**case["event"], "eventType": "READ"}
    case["body"]["message"]["data"] = base64.b64encode(json.dumps(forged).encode()).decode()
    provider = RbmProvider(httpx.AsyncClient(), client_token=CLIENT_TOKEN, partner_token=PARTNER_TOKEN)
    with pytest.raises(WebhookRejected):
        provider.parse_webhook(case["headers"], json.dumps(case["body"]).encode())


def test_webhook_without_a_signature_is_rejected() -> None:
    case = load(TESTDATA / "webhook_delivered.json")
    provider = RbmProvider(httpx.AsyncClient(), client_token=CLIENT_TOKEN, partner_token=PARTNER_TOKEN)
    with pytest.raises(WebhookRejected):
        provider.parse_webhook({"Content-Type": "application/json"}, json.dumps(case["body"]).encode())


def test_webhook_verification_is_answered_with_its_secret_for_our_client_token_only() -> None:
    provider = RbmProvider(httpx.AsyncClient(), client_token=CLIENT_TOKEN, partner_token=PARTNER_TOKEN)
    body = json.dumps({"clientToken": CLIENT_TOKEN, "secret": "1234567890"}).encode()
    assert provider.parse_webhook({}, body).reply == "1234567890"
    with pytest.raises(WebhookRejected):
        provider.parse_webhook({}, json.dumps({"clientToken": "nope", "secret": "1"}).encode())


@pytest.mark.parametrize(
    ("status", "body", "retryable", "error_code", "carrier_code"),
    [
        (
            400,
            {"error": {"code": 400, "message": "refused", "status": "FAILED_PRECONDITION"}},
            False,
            "CARRIER_REJECTED",
            "FAILED_PRECONDITION",
        ),
        (
            400,
            {"error": {"code": 400, "message": "bad card", "status": "INVALID_ARGUMENT"}},
            False,
            "CARRIER_REJECTED",
            "INVALID_ARGUMENT",
        ),
        (
            404,
            {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}},
            False,
            "CHANNEL_NOT_SUPPORTED_BY_RECIPIENT",
            "NOT_FOUND",
        ),
        (
            401,
            {"error": {"code": 401, "message": "bad secret", "status": "UNAUTHENTICATED"}},
            False,
            "CHANNEL_NOT_CONFIGURED",
            "UNAUTHENTICATED",
        ),
        (
            429,
            {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}},
            True,
            "CARRIER_UNAVAILABLE",
            "RESOURCE_EXHAUSTED",
        ),
        (
            503,
            {"error": {"code": 503, "message": "try later", "status": "UNAVAILABLE"}},
            True,
            "CARRIER_UNAVAILABLE",
            "UNAVAILABLE",
        ),
        (502, {"not": "google"}, True, "CARRIER_UNAVAILABLE", "502"),
        (418, {"not": "google"}, False, "CARRIER_REJECTED", "418"),
    ],
)
async def test_error_answers_map_onto_our_errors(
    status: int, body: dict, retryable: bool, error_code: str, carrier_code: str, caplog: pytest.LogCaptureFixture
) -> None:
    provider = provider_answering([], status, body)
    message = render_message("TEXT", "hi", {}, {})
    with caplog.at_level(logging.DEBUG), pytest.raises(SendError) as raised:
        await provider.send(BOT, "+919876543210", "m-1", message)
    error = raised.value
    assert (error.retryable, error.error_code.value, error.carrier_error_code) == (retryable, error_code, carrier_code)
    assert str(status) in error.detail
    assert SECRET not in error.detail
    assert_no_secret_logged(caplog, SECRET)


async def test_a_message_id_the_provider_already_accepted_counts_as_accepted() -> None:
    body = {"error": {"code": 409, "message": "Requested entity already exists", "status": "ALREADY_EXISTS"}}
    accepted = await provider_answering([], 409, body).send(
        BOT, "+919876543210", "m-1", render_message("TEXT", "hi", {}, {})
    )
    assert accepted.provider_message_id == "m-1"


async def test_capability_check_is_false_only_for_not_found() -> None:
    requests: list[httpx.Request] = []
    capable = provider_answering(requests, 200, {"features": ["RICHCARD_STANDALONE"]})
    assert await capable.recipient_capable(BOT, "+919876543210") is True
    assert requests[0].url.path == "/v1/phones/+919876543210/capabilities"
    assert requests[0].url.params["agentId"] == "cpaas_demo_agent"
    assert requests[0].url.params["requestId"]
    not_found = {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}
    assert await provider_answering([], 404, not_found).recipient_capable(BOT, "+919876543903") is False
    with pytest.raises(SendError) as raised:
        await provider_answering([], 500, {}).recipient_capable(BOT, "+919876543210")
    assert raised.value.retryable


async def test_timeouts_and_unreachable_providers_are_retryable(caplog: pytest.LogCaptureFixture) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler in (timeout, refused):
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://rbm.test")
        provider = RbmProvider(http, client_token=CLIENT_TOKEN, partner_token=PARTNER_TOKEN)
        with caplog.at_level(logging.DEBUG), pytest.raises(SendError) as raised:
            await provider.send(BOT, "+919876543210", "m-1", render_message("TEXT", "hi", {}, {}))
        assert raised.value.retryable
    assert_no_secret_logged(caplog, SECRET)


async def test_template_registration_sends_the_unrendered_content_to_the_bots_agent() -> None:
    requests: list[httpx.Request] = []
    provider = provider_answering(
        requests, 200, {"name": "agents/cpaas_demo_agent/templates/abc", "templateId": "abc", "state": "PENDING"}
    )
    case = load(TESTDATA / "send_carousel.json")
    message = render_message(**case["template"], variables=None)
    assert await provider.register_template(BOT, "rcs_catalogue", message) == "abc"
    [request] = requests
    assert request.url.path == "/v1/agents/cpaas_demo_agent/templates"
    sent = json.loads(request.content)
    assert (sent["name"], sent["type"]) == ("rcs_catalogue", "CAROUSEL")
    assert sent["content"]["fallback"] == "Our picks for {{1}}"
    assert sent["content"]["richCard"]["carouselCard"]["cardContents"][0]["description"] == "Item 1 for {{1}}"
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_bot_secret_is_not_in_the_bots_repr() -> None:
    assert SECRET not in repr(BOT)
