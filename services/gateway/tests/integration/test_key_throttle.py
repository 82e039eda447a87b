"""Guessing API keys from one address is held to a few a minute; a working key from the
same address is not slowed, and other addresses are not affected."""

import asyncio

import httpx

SUBMIT = "/api/v1/messages/submit"
GUESSES = 2_000
LIMIT_PER_MINUTE = 20


async def test_invalid_keys_from_one_address_get_429_after_the_threshold_and_a_valid_key_still_works(
    start_gateway,
) -> None:
    async with start_gateway(invalid_key_limit_per_minute=LIMIT_PER_MINUTE) as gw:
        assert (await gw.client.post(SUBMIT, json=gw.sms(), headers=gw.headers())).status_code == 202
        started = asyncio.get_running_loop().time()
        statuses: dict[int, int] = {}
        throttled = None
        for i in range(GUESSES):
            response = await gw.client.post(SUBMIT, json=gw.sms(), headers={"X-API-Key": f"cpk_guess-{i:05d}"})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 429:
                throttled = response
        seconds = asyncio.get_running_loop().time() - started
        refilled = int(seconds * LIMIT_PER_MINUTE / 60) + 1
        assert set(statuses) == {401, 429}, statuses
        assert statuses[401] <= LIMIT_PER_MINUTE + refilled, statuses
        assert statuses[429] >= GUESSES - LIMIT_PER_MINUTE - refilled
        gw.assert_error(throttled, 429, "RATE_LIMITED", "X-API-Key")
        assert 1 <= int(throttled.headers["Retry-After"]) <= 60

        valid = await gw.client.post(SUBMIT, json=gw.sms(), headers=gw.headers())
        assert valid.status_code == 202, valid.text  # the same address, a key that works
        report = await gw.client.get("/api/v1/messages/not-a-message-id", headers=gw.headers())
        gw.assert_error(report, 404, "NOT_FOUND")
        missing = await gw.client.get("/api/v1/messages/not-a-message-id")
        gw.assert_error(missing, 429, "RATE_LIMITED")  # the FastAPI routes share the throttle


async def test_the_throttle_is_per_address(start_gateway) -> None:
    async with start_gateway(invalid_key_limit_per_minute=LIMIT_PER_MINUTE) as attacker:
        for i in range(LIMIT_PER_MINUTE + 5):
            await attacker.client.post(SUBMIT, json=attacker.sms(), headers={"X-API-Key": f"cpk_guess-{i}"})
        last = await attacker.client.post(SUBMIT, json=attacker.sms(), headers={"X-API-Key": "cpk_guess-x"})
        attacker.assert_error(last, 429, "RATE_LIMITED")
        transport = httpx.ASGITransport(app=attacker.app, client=("198.51.100.4", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as other:
            response = await other.post(SUBMIT, json=attacker.sms(), headers={"X-API-Key": "cpk_wrong"})
            attacker.assert_error(response, 401, "UNAUTHORIZED")
