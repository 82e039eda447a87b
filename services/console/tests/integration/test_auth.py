"""Console login: session cookie, CSRF, logout, lockout."""

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
        stored = await console.app.state.auth.pool.fetchval("SELECT id_hash FROM sessions")
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


async def test_five_failures_lock_the_username_for_fifteen_minutes(console) -> None:
    async with console.client() as client:
        statuses = [
            (await client.post("/api/auth/login", json={"username": "demo", "password": "bad-pass"})).status_code
            for _ in range(5)
        ]
        assert statuses == [401, 401, 401, 401, 429]
        response = await client.post("/api/auth/login", json=console.creds["user"])
        assert response.status_code == 429
        error = response.json()["error"]
        assert error["code"] == "RATE_LIMITED" and "locked for 15 more minute" in error["message"]
        assert int(response.headers["retry-after"]) == 900
        # the admin is not affected
        assert (await client.post("/api/auth/login", json=console.creds["admin"])).status_code == 200


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
