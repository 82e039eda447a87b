"""Console login: session cookie, CSRF, logout, throttling."""

import asyncio
import statistics
import time

import httpx

from cpaas.console.api.deps import SESSION_COOKIE


async def test_login_sets_a_strict_httponly_cookie_and_me_returns_the_user(console) -> None:
    async with console.client() as client:
        response = await client.post("/api/auth/login", json=console.creds["user"])
        assert response.status_code == 200
        body = response.json()
        assert body["user"]["username"] == "demo" and body["user"]["role"] == "user"
        assert body["user"]["accountId"] == console.creds["accountId"] and body["csrfToken"]
        cookie = response.headers["set-cookie"].lower()
        assert SESSION_COOKIE in cookie and "httponly" in cookie and "samesite=strict" in cookie
        assert "secure" not in cookie  # local environment
        me = await client.get("/api/auth/me")
        assert me.status_code == 200 and me.json()["user"]["username"] == "demo"


async def test_session_id_is_stored_hashed(console) -> None:
    async with console.client() as client:
        await client.post("/api/auth/login", json=console.creds["user"])
        session_id = client.cookies[SESSION_COOKIE]
        stored = await console.app.state.store.pool.fetchval("SELECT id_hash FROM sessions")
        assert len(session_id) >= 43 and stored != session_id.encode() and len(stored) == 32


async def test_wrong_password_is_refused_with_a_clear_error(console) -> None:
    async with console.client() as client:
        response = await client.post("/api/auth/login", json={"username": "demo", "password": "nope-nope"})
        assert response.status_code == 401
        assert response.json()["error"] == {
            "code": "UNAUTHORIZED",
            "message": "wrong username or password",
            "field": None,
        }
        assert (await client.get("/api/auth/me")).status_code == 401


def client_from(console, address: str) -> httpx.AsyncClient:
    """A client whose connections come from `address`."""
    transport = httpx.ASGITransport(app=console.app, client=(address, 40000))
    client = httpx.AsyncClient(transport=transport, base_url="http://console.test")
    console.clients.append(client)
    return client


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_sprayed_logins_from_one_address_are_throttled_after_the_threshold(console) -> None:
    client = client_from(console, "203.0.113.7")
    statuses = [(await login(client, f"user{n}", "guess-guess")).status_code for n in range(30)]
    assert statuses == [401] * 10 + [429] * 20  # login_address_free_failures = 10, then backoff
    refused = await login(client, "user99", "guess-guess")
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 2  # base 1 s after the 10th failure
    # the throttled attempts were not checked, so the right password from there waits too
    assert (await login(client, **console.creds["user"])).status_code == 429
    assert (await login(client_from(console, "203.0.113.8"), **console.creds["user"])).status_code == 200


async def test_guesses_from_one_address_back_off_exponentially(console) -> None:
    client = client_from(console, "203.0.113.9")
    for _ in range(3):  # login_pair_free_failures = 3
        assert (await login(client, "demo", "guess-guess")).status_code == 401
    refused = await login(client, "demo", "guess-guess")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 1
    await console.app.state.store.pool.execute("UPDATE login_throttle SET wait_until = now()")  # the second passed
    assert (await login(client, "demo", "guess-guess")).status_code == 401
    assert int((await login(client, "demo", "guess-guess")).headers["retry-after"]) == 2  # doubled


async def test_a_user_attacked_from_one_address_still_logs_in_from_another(console) -> None:
    attacker = client_from(console, "198.51.100.66")
    for _ in range(40):
        await login(attacker, "demo", "guess-guess")
        await console.app.state.store.pool.execute("UPDATE login_throttle SET wait_until = now()")  # a patient attacker
    response = await login(client_from(console, "192.0.2.10"), **console.creds["user"])
    assert response.status_code == 200  # 40 failures of "demo", none from this address: not held back


async def test_a_username_guessed_from_many_addresses_slows_those_addresses_only(console) -> None:
    for n in range(25):  # login_username_free_failures = 20, spread over 25 addresses
        assert (await login(client_from(console, f"198.51.100.{n}"), "demo", "guess-guess")).status_code == 401
    # an address that already failed for "demo" now waits for the username's backoff ...
    again = await login(client_from(console, "198.51.100.3"), **console.creds["user"])
    assert again.status_code == 429 and int(again.headers["retry-after"]) <= 60
    # ... while one that never failed for it logs in at once
    assert (await login(client_from(console, "192.0.2.55"), **console.creds["user"])).status_code == 200


async def test_unknown_and_known_usernames_get_identical_answers(console) -> None:
    def answer(response: httpx.Response) -> tuple:
        headers = {k: v for k, v in response.headers.items() if k not in ("date", "content-length")}
        return response.status_code, response.json(), headers

    known, unknown = client_from(console, "203.0.113.20"), client_from(console, "203.0.113.21")
    known_answers, unknown_answers = [], []
    for _ in range(6):
        known_answers.append(answer(await login(known, "demo", "wrong-password")))
        unknown_answers.append(answer(await login(unknown, "nobody-here", "wrong-password")))
    assert known_answers == unknown_answers
    assert [a[0] for a in known_answers] == [401, 401, 401, 429, 429, 429]


async def test_unknown_and_known_usernames_take_the_same_time(console) -> None:
    async def median_seconds(client: httpx.AsyncClient, username: str) -> float:
        times = []
        for _ in range(3):
            began = time.perf_counter()
            assert (await login(client, username, "wrong-password")).status_code == 401
            times.append(time.perf_counter() - began)
        return statistics.median(times)

    known = await median_seconds(client_from(console, "203.0.113.30"), "demo")
    unknown = await median_seconds(client_from(console, "203.0.113.31"), "nobody-here")
    assert 0.5 < unknown / known < 2  # both check a password hash of the same cost


async def test_parallel_guesses_from_one_address_are_decided_one_at_a_time(console) -> None:
    client = client_from(console, "203.0.113.40")
    responses = await asyncio.gather(*(login(client, "demo", "guess-guess") for _ in range(30)))
    checked = [r for r in responses if r.status_code == 401]
    assert len(checked) <= 3 and all(r.status_code in (401, 429) for r in responses)


async def test_the_client_address_comes_from_the_trusted_proxies_only(console) -> None:
    console.app.state.settings = console.app.state.settings.model_copy(update={"trusted_proxies": 1})
    client = client_from(console, "10.0.0.2")  # the proxy
    spoofed = {"X-Forwarded-For": "1.1.1.1, 203.0.113.50"}  # the client wrote 1.1.1.1; the proxy saw .50
    for _ in range(10):
        await client.post("/api/auth/login", json={"username": "x", "password": "y"}, headers=spoofed)
    other_first_hop = {"X-Forwarded-For": "9.9.9.9, 203.0.113.50"}
    refused = await client.post("/api/auth/login", json={"username": "x", "password": "y"}, headers=other_first_hop)
    assert refused.status_code == 429  # the same client, whatever it puts leftmost
    fresh = await client.post(
        "/api/auth/login", json=console.creds["user"], headers={"X-Forwarded-For": "203.0.113.51"}
    )
    assert fresh.status_code == 200


async def test_forwarded_for_is_ignored_without_trusted_proxies(console) -> None:
    client = client_from(console, "203.0.113.60")
    for n in range(10):
        await client.post(
            "/api/auth/login", json={"username": "x", "password": "y"}, headers={"X-Forwarded-For": f"1.2.3.{n}"}
        )
    assert (await login(client, "x", "y")).status_code == 429


async def test_a_state_changing_request_without_the_csrf_token_is_refused(console) -> None:
    client = await console.user()
    token = client.headers.pop("X-CSRF-Token")
    response = await client.post("/api/auth/logout")
    assert response.status_code == 403 and response.json()["error"]["field"] == "X-CSRF-Token"
    response = await client.post("/api/auth/logout", headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 403
    assert (await client.get("/api/auth/me")).status_code == 200
    assert (await client.post("/api/auth/logout", headers={"X-CSRF-Token": token})).status_code == 204


async def test_logout_ends_the_session_on_the_server(console) -> None:
    client = await console.user()
    session_id = client.cookies[SESSION_COOKIE]
    assert (await client.post("/api/auth/logout")).status_code == 204
    assert (await client.get("/api/auth/me")).status_code == 401
    # replaying the old cookie does not bring it back
    client.cookies.set(SESSION_COOKIE, session_id)
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_in_production_the_session_cookie_is_secure(kafka_settings, pg_settings, tmp_path, monkeypatch) -> None:
    """CPAAS_ENVIRONMENT=production reaches the console (one switch for every service): the
    session cookie is then Secure (issue 17, point 8)."""
    from cryptography.fernet import Fernet

    from cpaas.console.app import build_app
    from cpaas.console.seed import seed
    from cpaas.console.settings import ConsoleSettings

    secrets_key = Fernet.generate_key().decode()
    creds = await seed(pg_settings, tmp_path / "creds.json", secrets_key=secrets_key)
    monkeypatch.setenv("CPAAS_ENVIRONMENT", "production")
    settings = ConsoleSettings(
        kafka=kafka_settings,
        postgres=pg_settings,
        service_token="a-production-service-token-0123456789",
        secrets_key=secrets_key,
        public_url="https://console.example.com",
        rbm_partner_token="a-production-rbm-partner-token",
        whatsapp_api_url="https://graph.facebook.com",
        rbm_api_url="https://rbm.example.com",
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://console.test") as client:
            response = await client.post("/api/auth/login", json=creds["user"])
    assert settings.environment == "production"
    assert response.status_code == 200, response.text
    assert "secure" in response.headers["set-cookie"].lower()
