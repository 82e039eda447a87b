"""The programmable-voice provider, driven by recorded payloads (tests/testdata): the exact
create-call request, what each answer becomes, callbacks parsed and verified, and no
secret in any log line."""

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cpaas.connector_kit.testing.records import template
from cpaas.contracts import Channel, MessageSubmittedV1
from cpaas.platform.logs import configure_logging
from cpaas.voice_connector.calling import status_callback_url
from cpaas.voice_connector.domain.speech import speech_for
from cpaas.voice_connector.providers import OutboundCall, SendError, WebhookMalformed, WebhookRejected
from cpaas.voice_connector.providers.programmable_voice import ProgrammableVoice
from cpaas.voice_connector.providers.programmable_voice.signature import compute_signature
from cpaas.voice_connector.settings import VoiceConnectorSettings

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
CREATE_CASES = json.loads((TESTDATA / "create_call.json").read_text())["cases"]
CALLBACKS = json.loads((TESTDATA / "status_callbacks.json").read_text())["callbacks"]
FETCH = json.loads((TESTDATA / "fetch_call.json").read_text())
SETTINGS = VoiceConnectorSettings()
SECRETS = (SETTINGS.auth_token, "QUNzYW5kYm94OmxvY2FsLWRldi12b2ljZS10b2tlbg==")  # the token, and in Basic auth


def provider_answering(case: dict[str, Any], seen: list[httpx.Request]) -> ProgrammableVoice:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        response = case["response"]
        if "error" in response:
            raise httpx.ConnectError("connection refused", request=request)
        if "json" in response:
            return httpx.Response(response["status"], json=response["json"])
        return httpx.Response(response["status"], text=response["text"])

    return ProgrammableVoice(SETTINGS, httpx.AsyncClient(transport=httpx.MockTransport(answer)))


def outbound_call(case: dict[str, Any]) -> OutboundCall:
    submit = case["submit"]
    event = MessageSubmittedV1(
        message_id=submit["messageId"],
        account_id=2,
        channel=Channel.VOICE,
        recipient=submit["recipient"],
        template_id=6,
        variables=submit["variables"],
        attempt=submit["attempt"],
        submitted_at=datetime.now(UTC),
    )
    voice = template(
        id=6, account_id=2, channel="VOICE", body=case["template"]["body"], content=case["template"]["content"]
    )
    url = status_callback_url(SETTINGS.public_base_url, event.message_id, event.attempt)
    return OutboundCall(event.recipient, SETTINGS.caller_id, speech_for(event, voice), url)


@pytest.mark.parametrize("case", CREATE_CASES, ids=[c["name"] for c in CREATE_CASES])
async def test_create_call_request_and_answer(case: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []
    provider = provider_answering(case, seen)
    caplog.set_level(logging.DEBUG)
    expected = case["expected"]
    if "accepted" in expected:
        accepted = await provider.send(outbound_call(case))
        assert (accepted.call_sid, accepted.provider_status) == (
            expected["accepted"]["call_sid"],
            expected["accepted"]["provider_status"],
        )
        assert accepted.meaning.status == "SUBMITTED_OPERATOR"
    else:
        with pytest.raises(SendError) as raised:
            await provider.send(outbound_call(case))
        error = expected["send_error"]
        assert (raised.value.retryable, raised.value.carrier_error_code) == (
            error["retryable"],
            error["carrier_error_code"],
        )
        if "status" in error:
            assert (raised.value.meaning.status, raised.value.meaning.error_code) == (
                error["status"],
                error["error_code"],
            )
        logging.getLogger("cpaas.voice_connector").warning("refused", extra={"error": str(raised.value)})
    [request] = seen
    want = case["request"]
    assert (request.method, str(request.url)) == (want["method"], want["url"])
    assert {k: request.headers[k] for k in want["headers"]} == want["headers"]
    assert request.content.decode() == want["body"]
    assert [list(p) for p in httpx.QueryParams(request.content.decode()).multi_items()] == want["form"]
    assert_no_secret(caplog)


@pytest.mark.parametrize("case", CALLBACKS, ids=[c["name"] for c in CALLBACKS])
def test_recorded_callback_is_verified_and_mapped(case: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    progress = ProgrammableVoice(SETTINGS, httpx.AsyncClient()).parse_callback(
        case["url"], case["headers"], str(httpx.QueryParams(case["form"])).encode()
    )
    expected = case["expected"]
    assert (progress.call_sid, progress.provider_status) == (expected["call_sid"], expected["provider_status"])
    assert (progress.meaning.status, progress.meaning.error_code) == (expected["status"], expected["error_code"])
    assert (progress.duration_seconds, progress.sip_response_code, progress.sequence_number) == (
        expected["duration_seconds"],
        expected["sip_response_code"],
        expected["sequence_number"],
    )
    assert progress.occurred_at.tzinfo is not None
    assert_no_secret(caplog)


COMPLETED = next(c for c in CALLBACKS if c["expected"]["provider_status"] == "completed")


@pytest.mark.parametrize("case", FETCH["cases"], ids=lambda c: c["name"])
async def test_fetch_call_request_and_answer(case: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []
    provider = provider_answering(case, seen)
    expect = case["expect"]
    with caplog.at_level(logging.DEBUG):
        if expect.get("error"):
            with pytest.raises(SendError) as raised:
                await provider.fetch_call(FETCH["callSid"])
            assert raised.value.retryable is expect["retryable"]
            progress = None
        else:
            progress = await provider.fetch_call(FETCH["callSid"])
    [request] = seen
    assert (request.method, str(request.url)) == (
        "GET",
        f"http://127.0.0.1:8094/2010-04-01/Accounts/ACsandbox/Calls/{FETCH['callSid']}.json",
    )
    assert request.headers["authorization"] == f"Basic {SECRETS[1]}"
    if expect.get("unknown"):
        assert progress is None
    elif progress is not None:
        assert (progress.call_sid, progress.provider_status) == (FETCH["callSid"], expect["providerStatus"])
        assert (progress.meaning.status.value if progress.meaning.status else None) == expect["status"]
        assert progress.duration_seconds == expect["duration"]
        if "occurredAt" in expect:
            assert progress.occurred_at == datetime.fromisoformat(expect["occurredAt"])
    assert not any(secret in record.getMessage() for record in caplog.records for secret in SECRETS)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: {**c, "form": [[k, "failed" if k == "CallStatus" else v] for k, v in c["form"]]},
        lambda c: {**c, "url": c["url"].replace("attempt=1", "attempt=2")},
        lambda c: {**c, "url": c["url"].replace("127.0.0.1:8087", "attacker.example")},
        lambda c: {**c, "headers": {"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}},
        lambda c: {**c, "headers": {}},
    ],
    ids=["changed-status", "changed-query", "other-host", "wrong-signature", "no-signature"],
)
def test_tampered_callback_is_rejected(tamper: Any) -> None:
    case = tamper(COMPLETED)
    with pytest.raises(WebhookRejected):
        ProgrammableVoice(SETTINGS, httpx.AsyncClient()).parse_callback(
            case["url"], case["headers"], str(httpx.QueryParams(case["form"])).encode()
        )


def test_signed_callback_without_a_call_sid_is_invalid() -> None:
    url, form = COMPLETED["url"], [("CallStatus", "completed")]
    headers = {"X-Twilio-Signature": compute_signature(SETTINGS.auth_token, url, form)}
    with pytest.raises(WebhookMalformed):
        ProgrammableVoice(SETTINGS, httpx.AsyncClient()).parse_callback(
            url, headers, str(httpx.QueryParams(form)).encode()
        )


async def test_json_log_lines_never_carry_the_auth_token(capsys: pytest.CaptureFixture[str]) -> None:
    """Through the platform's JSON formatter, at DEBUG, with httpx's own logs on."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("voice-connector", "DEBUG")
    try:
        for case in CREATE_CASES:
            seen: list[httpx.Request] = []
            try:
                await provider_answering(case, seen).send(outbound_call(case))
            except SendError as exc:
                logging.getLogger("cpaas.voice_connector.calling").warning("not created", extra={"error": str(exc)})
    finally:
        root.handlers[:], root.level = handlers, level
    out = capsys.readouterr().out
    assert "HTTP Request" in out  # httpx logged each request
    for secret in SECRETS:
        assert secret not in out


def assert_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(str(v) for v in vars(record).values())
        for secret in SECRETS:
            assert secret not in text, f"a secret reached the log: {record.getMessage()}"
