"""The programmable-voice API imitation: Twilio's REST shape, signed callbacks, magic numbers."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import httpx
import pytest

from cpaas.sandbox.voice import VoiceSandboxSettings, build_voice_app, serve
from cpaas.sandbox.voice.signature import twilio_signature

if TYPE_CHECKING:  # fixtures' types, from this folder's conftest
    from conftest import Receiver, Voice

AUTH_TOKEN = "local-dev-voice-token"
SILENCE_SECONDS = 0.2  # long enough for several progress delays of the test settings
FAST = {"call_progress_delay_seconds": 0.01, "callback_retry_seconds": 0.01}
VoiceWith = Callable[[VoiceSandboxSettings, httpx.AsyncBaseTransport], AbstractAsyncContextManager["Voice"]]


async def test_create_call_answers_201_with_a_queued_call_resource(voice: Voice) -> None:
    response = await voice.create("+919876543210")
    assert response.status_code == 201
    call = response.json()
    assert re.fullmatch(r"CA[0-9a-f]{32}", call["sid"])
    assert (call["status"], call["to"], call["from"], call["direction"]) == (
        "queued",
        "+919876543210",
        "+919000000002",
        "outbound-api",
    )
    assert call["account_sid"] == "ACsandbox"
    assert call["uri"] == f"/2010-04-01/Accounts/ACsandbox/Calls/{call['sid']}.json"


@pytest.mark.parametrize(
    "auth", [("ACsandbox", "wrong-token"), ("ACother", "local-dev-voice-token")], ids=["token", "account"]
)
async def test_wrong_credentials_are_refused_with_20003(voice: Voice, auth: tuple[str, str]) -> None:
    response = await voice.create("+919876543210", auth=auth)
    assert response.status_code == 401
    assert response.json() | {"more_info": None} == {
        "code": 20003,
        "message": "Authenticate",
        "status": 401,
        "more_info": None,
    }


async def test_call_without_credentials_is_refused(voice: Voice) -> None:
    response = await voice.http.post("/2010-04-01/Accounts/ACsandbox/Calls.json", data={"To": "+919876543210"})
    assert response.status_code == 401
    assert response.json()["code"] == 20003


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"To": "98765"}, 21211),
        ({"To": None}, 21201),
        ({"From": "CPAAS"}, 21212),
        ({"Twiml": None}, 21205),
        ({"Twiml": "<Say>hi</Say>"}, 12100),
        ({"Twiml": '<!DOCTYPE r [<!ENTITY a "b">]><Response><Say>&a;</Say></Response>'}, 12100),
        ({"StatusCallback": "ftp://example.com/cb"}, 21609),
        ({"StatusCallbackEvent": "hung-up"}, 21626),
    ],
    ids=["bad-to", "no-to", "bad-from", "no-twiml", "not-a-response", "doctype", "bad-callback", "bad-event"],
)
async def test_invalid_create_call_is_refused_with_twilios_code(voice: Voice, form: dict, code: int) -> None:
    form = {"To": "+919876543210", **form}
    response = await voice.create(form.pop("To"), **form)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["status"] == 400


async def test_answered_call_posts_signed_callbacks_initiated_ringing_answered_completed(
    voice: Voice, receiver: Receiver
) -> None:
    sid = (await voice.create("+919876543210")).json()["sid"]
    completed = await receiver.wait_for(sid, "completed")
    callbacks = receiver.of(sid)
    assert [c.form["CallStatus"] for c in callbacks] == ["initiated", "ringing", "in-progress", "completed"]
    assert [c.form["SequenceNumber"] for c in callbacks] == ["0", "1", "2", "3"]
    for callback in callbacks:
        assert callback.url == "http://receiver.test/webhooks/voice/status?messageId=m1&attempt=1"
        assert callback.headers["content-type"] == "application/x-www-form-urlencoded"
        assert callback.headers["x-twilio-signature"] == twilio_signature(AUTH_TOKEN, callback.url, callback.params)
        assert (callback.form["To"], callback.form["From"], callback.form["AccountSid"]) == (
            "+919876543210",
            "+919000000002",
            "ACsandbox",
        )
    assert int(completed.form["CallDuration"]) > 0
    assert completed.form["SipResponseCode"] == "200"
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", completed.form["Timestamp"])


@pytest.mark.parametrize(
    ("recipient", "statuses", "sip"),
    [
        ("+919876543901", ["initiated", "ringing", "no-answer"], "487"),
        ("+919876543906", ["initiated", "busy"], "486"),
        ("+919876543907", ["initiated", "failed"], "404"),
        ("+919876543903", ["initiated", "ringing", "in-progress", "completed"], "200"),
        ("+919876543904", ["initiated", "ringing", "in-progress", "completed"], "200"),
    ],
    ids=["901-no-answer", "906-busy", "907-failed", "903-voice-works", "904-completed"],
)
async def test_magic_number_decides_the_call_progress(
    voice: Voice, receiver: Receiver, recipient: str, statuses: list[str], sip: str
) -> None:
    sid = (await voice.create(recipient)).json()["sid"]
    final = await receiver.wait_for(sid, statuses[-1])
    assert [c.form["CallStatus"] for c in receiver.of(sid)] == statuses
    assert final.form["SipResponseCode"] == sip
    assert ("CallDuration" in final.form) is (statuses[-1] == "completed")


async def test_902_is_initiated_and_then_nothing_ever(voice: Voice, receiver: Receiver) -> None:
    sid = (await voice.create("+919876543902")).json()["sid"]
    await receiver.wait_for(sid, "initiated")
    await asyncio.sleep(SILENCE_SECONDS)
    assert [c.form["CallStatus"] for c in receiver.of(sid)] == ["initiated"]


async def test_905_is_refused_at_creation_with_13224(voice: Voice, receiver: Receiver) -> None:
    response = await voice.create("+919876543905")
    assert response.status_code == 400
    assert response.json()["code"] == 13224
    assert (await voice.http.get("/sandbox/voice/calls", params={"to": "+919876543905"})).json() == {"calls": []}


async def test_only_requested_events_are_posted_and_completed_always_is(voice: Voice, receiver: Receiver) -> None:
    sid = (await voice.create("+919876543210", StatusCallbackEvent="ringing")).json()["sid"]
    await receiver.wait_for(sid, "completed")
    assert [c.form["CallStatus"] for c in receiver.of(sid)] == ["ringing", "completed"]


async def test_space_separated_events_are_accepted(voice: Voice, receiver: Receiver) -> None:
    sid = (await voice.create("+919876543210", StatusCallbackEvent="initiated answered")).json()["sid"]
    await receiver.wait_for(sid, "completed")
    assert [c.form["CallStatus"] for c in receiver.of(sid)] == ["initiated", "in-progress", "completed"]


async def test_callback_answered_5xx_is_not_posted_again_as_twilio_retries_only_failed_connections(
    voice: Voice, receiver: Receiver
) -> None:
    receiver.answers = [503]
    sid = (await voice.create("+919876543210", StatusCallbackEvent="completed")).json()["sid"]
    await receiver.wait_for(sid, "completed")
    await asyncio.sleep(SILENCE_SECONDS)
    assert [c.form["CallStatus"] for c in receiver.of(sid)] == ["completed"]
    [call] = (await voice.http.get("/sandbox/voice/calls", params={"to": "+919876543210"})).json()["calls"]
    assert call["callbacks"] == [{"status": "completed", "sequence_number": 0, "http_status": 503, "attempts": 1}]


async def test_callback_that_cannot_connect_is_tried_once_more_then_lost(voice_with: VoiceWith) -> None:
    tries: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        tries.append(parse_qs(request.content.decode())["CallStatus"][0])
        raise httpx.ConnectError("connection refused", request=request)

    async with voice_with(VoiceSandboxSettings(**FAST), httpx.MockTransport(refuse)) as voice:
        sid = (await voice.create("+919876543210", StatusCallbackEvent="completed")).json()["sid"]
        await asyncio.sleep(SILENCE_SECONDS)
        [call] = (await voice.http.get("/sandbox/voice/calls", params={"to": "+919876543210"})).json()["calls"]
    assert tries == ["completed", "completed"]  # rc=1: one retry
    assert call["callbacks"] == [{"status": "completed", "sequence_number": 0, "http_status": None, "attempts": 2}]
    assert call["sid"] == sid and call["status"] == "completed"  # the Calls API still knows


async def test_a_wider_retry_policy_retries_5xx_answers(receiver: Receiver, voice_with: VoiceWith) -> None:
    settings = VoiceSandboxSettings(**FAST, callback_retry_count=3, callback_retry_on=["ct", "5xx"])
    receiver.answers = [500, 503]
    async with voice_with(settings, httpx.ASGITransport(app=receiver.app())) as voice:
        sid = (await voice.create("+919876543210", StatusCallbackEvent="completed")).json()["sid"]
        await receiver.wait_for(sid, "completed")
        await asyncio.sleep(SILENCE_SECONDS)
        [call] = (await voice.http.get("/sandbox/voice/calls", params={"to": "+919876543210"})).json()["calls"]
    assert [c.form["CallStatus"] for c in receiver.of(sid)] == ["completed"] * 3
    assert call["callbacks"][0]["attempts"] == 3 and call["callbacks"][0]["http_status"] == 204


async def test_listed_calls_show_what_was_said_and_their_final_status(voice: Voice, receiver: Receiver) -> None:
    sid = (await voice.create("+919876543210")).json()["sid"]
    await voice.create("+919811111111")
    await receiver.wait_for(sid, "completed")
    listed = await voice.http.get("/sandbox/voice/calls", params={"to": "919876543210"})
    [call] = listed.json()["calls"]
    assert (call["sid"], call["status"], call["from"]) == (sid, "completed", "+919000000002")
    assert call["say"] == [{"text": "Your code is 4 8 2", "voice": "female", "language": "en-IN", "loop": 2}]
    assert call["duration"] > 0
    fetched = await voice.http.get(f"/2010-04-01/Accounts/ACsandbox/Calls/{sid}.json", auth=("ACsandbox", AUTH_TOKEN))
    assert (fetched.json()["status"], fetched.json()["duration"]) == ("completed", str(call["duration"]))


def test_signature_matches_twilios_published_example() -> None:
    params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+12349013030"),
        ("Digits", "1234"),
        ("From", "+12349013030"),
        ("To", "+18005551212"),
    ]
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


async def test_callbacks_reach_a_real_http_receiver(receiver: Receiver) -> None:
    """Both servers on real ports, as the sandbox service and a connector run them."""
    receiver_app = receiver.app()
    settings = VoiceSandboxSettings(http_port=0, call_progress_delay_seconds=0.01)
    async with (
        serve(receiver_app, "127.0.0.1", 0) as receiver_url,
        serve(build_voice_app(settings), "127.0.0.1", 0) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        callback = f"{receiver_url}/webhooks/voice/status"
        response = await http.post(
            "/2010-04-01/Accounts/ACsandbox/Calls.json",
            data={
                "To": "+919876543210",
                "From": "+919000000002",
                "Twiml": "<Response><Say>hi</Say></Response>",
                "StatusCallback": callback,
            },
            auth=("ACsandbox", AUTH_TOKEN),
        )
        assert response.status_code == 201
        completed = await receiver.wait_for(response.json()["sid"], "completed")
        assert (await http.get("/healthz")).status_code == 200
    assert completed.headers["x-twilio-signature"] == twilio_signature(AUTH_TOKEN, callback, completed.params)
