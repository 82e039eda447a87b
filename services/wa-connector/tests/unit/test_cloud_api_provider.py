"""The Cloud API provider against recorded Graph API payloads (tests/testdata/cloud_api):
the exact outbound request for each case, how each answer is read, how each webhook
maps onto our statuses, and that no access token reaches a log or an error."""

import dataclasses
import hashlib
import hmac
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cpaas.connector_kit.errors import SendError, WebhookMalformed, WebhookRejected
from cpaas.contracts.template_content import WhatsAppContent
from cpaas.wa_connector.providers.base import HeaderMedia, TemplateMessage, TemplateRegistration, WabaCredentials
from cpaas.wa_connector.providers.cloud_api import CloudApiProvider

TESTDATA = Path(__file__).resolve().parents[1] / "testdata" / "cloud_api"
TOKEN = "EAAGm0PX4ZCpsBAtest-secret-token-9f8e7d"
APP_SECRET, VERIFY_TOKEN = "app-secret-for-tests", "verify-me"
SENDER = WabaCredentials(waba_id="102290129340398", phone_number_id="106540352242922", api_key=TOKEN)


def cases(kind: str) -> list[Any]:
    return [pytest.param(json.loads(p.read_text()), id=p.stem) for p in sorted((TESTDATA / kind).glob("*.json"))]


class Recorder:
    """A mock transport that records the request and answers the recorded response."""

    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.response.get("raise") == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if "body" in self.response:
            return httpx.Response(self.response["status"], json=self.response["body"])
        return httpx.Response(self.response["status"], text=self.response.get("text", ""))


def provider(recorder: Recorder | None = None) -> CloudApiProvider:
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder or Recorder({"status": 500})))
    return CloudApiProvider(
        http, base_url="https://graph.test/", api_version="v21.0", app_secret=APP_SECRET, verify_token=VERIFY_TOKEN
    )


def assert_request(recorder: Recorder, expected: dict[str, Any]) -> None:
    [request] = recorder.requests
    assert (request.method, str(request.url)) == ("POST", expected["url"])
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == expected["body"]


def assert_error(error: SendError, expected: dict[str, Any]) -> None:
    assert {
        "retryable": error.retryable,
        "error_code": error.error_code.value,
        "provider_code": error.carrier_error_code,
        "detail": error.detail,
    } == expected


def assert_no_token(caplog: pytest.LogCaptureFixture, *texts: object) -> None:
    assert caplog.records, "the case should have logged something (httpx at least)"
    assert TOKEN not in caplog.text
    for text in texts:
        assert TOKEN not in str(text) and TOKEN not in repr(text)


@pytest.mark.parametrize("case", cases("send"))
async def test_send(case: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(case["response"])
    given = case["message"]
    media = given["header_media"]
    message = TemplateMessage(
        recipient=given["recipient"],
        template_name=given["template_name"],
        language=given["language"],
        body_parameters=tuple(given["body_parameters"]),
        header_media=HeaderMedia(media["kind"], media["link"]) if media else None,
        reference=given["reference"],
        sender=SENDER,
    )
    error: SendError | None = None
    try:
        accepted = await provider(recorder).send(message)
    except SendError as exc:
        error = exc
    assert_request(recorder, case["expected_request"])
    if "accepted" in case["expected"]:
        assert error is None
        assert accepted.provider_message_id == case["expected"]["accepted"]
    else:
        assert error is not None
        assert_error(error, case["expected"]["error"])
        logging.getLogger("test").exception("logged like a handler would", exc_info=error)
    assert_no_token(caplog, message, error)


@pytest.mark.parametrize("case", cases("register_template"))
async def test_register_template(case: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(case["response"])
    given = case["registration"]
    registration = TemplateRegistration(
        sender=SENDER,
        name=given["name"],
        language=given["language"],
        category=given["category"],
        body=given["body"],
        content=WhatsAppContent.model_validate(given["content"]),
    )
    error: SendError | None = None
    try:
        provider_id = await provider(recorder).register_template(registration)
    except SendError as exc:
        error = exc
    assert_request(recorder, case["expected_request"])
    if "provider_template_id" in case["expected"]:
        assert error is None
        assert provider_id == case["expected"]["provider_template_id"]
    else:
        assert error is not None
        assert_error(error, case["expected"]["error"])
    assert_no_token(caplog, registration, error)


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def as_json(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


@pytest.mark.parametrize("case", cases("webhooks"))
def test_webhook(case: dict[str, Any]) -> None:
    raw = json.dumps(case["body"]).encode()
    events = provider().parse_webhook(raw, signed(raw))
    read = {
        "statuses": [{k: as_json(v) for k, v in dataclasses.asdict(s).items()} for s in events.statuses],
        "templates": [dataclasses.asdict(t) for t in events.templates],
        "ignored": events.ignored,
    }
    assert read == case["expected"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Hub-Signature-256": "sha256=00"}, {"X-Hub-Signature-256": "deadbeef"}, "wrong secret"],
)
def test_webhook_without_the_right_signature_is_unauthorized(headers: dict[str, str] | str) -> None:
    raw = (TESTDATA / "webhooks" / "status_delivered.json").read_bytes()
    if headers == "wrong secret":
        headers = signed(raw, "another-secret")
    with pytest.raises(WebhookRejected):
        provider().parse_webhook(raw, headers)  # type: ignore[arg-type]


def test_webhook_signed_but_not_a_notification_is_invalid() -> None:
    raw = b'{"hello": "world"}'
    with pytest.raises(WebhookMalformed):
        provider().parse_webhook(raw, signed(raw))


def test_webhook_of_another_object_is_ignored() -> None:
    raw = json.dumps({"object": "page", "entry": []}).encode()
    assert provider().parse_webhook(raw, signed(raw)).ignored == 1


@pytest.mark.parametrize(
    ("params", "answer"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}, "1158201444"),
        ({"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1158201444"}, None),
        ({"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}, None),
        ({}, None),
    ],
)
def test_subscription_handshake(params: dict[str, str], answer: str | None) -> None:
    assert provider().subscription_challenge(params) == answer


async def test_connection_error_is_retryable_and_names_no_token(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("All connection attempts failed", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    cloud = CloudApiProvider(http, base_url="https://graph.test", api_version="v21.0", app_secret="s", verify_token="v")
    message = TemplateMessage("+919876543210", "t", "en", (), None, "msg_01JQ6Z8W3KX9T5R2M4N7P8Q0VB:1", SENDER)
    with pytest.raises(SendError) as caught:
        await cloud.send(message)
    assert caught.value.retryable
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert TOKEN not in str(caught.value)
