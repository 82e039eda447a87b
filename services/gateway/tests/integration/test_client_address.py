"""The IP allow-list sees the client's real address: X-Forwarded-For is believed only as
far as the configured proxies wrote it (rightmost first), on the raw submit path and on
the FastAPI routes alike, and uvicorn does not rewrite the peer from it."""

import asyncio
import socket

import httpx

from cpaas.console.store import ConsoleStore
from cpaas.gateway.app import build_app
from cpaas.platform.db import create_pool
from cpaas.platform.serve import bind_socket, serving

SUBMIT = "/api/v1/messages/submit"
ALLOWED = "10.1.0.0/16"
NOT_A_MESSAGE = "/api/v1/messages/not-a-message-id"  # authenticated, then 404 without the database


async def allow_only(gw, networks: list[str]) -> None:
    """Set the account's allow-list and wait until the gateway refuses its test client."""
    pool = await create_pool(gw.settings.postgres, schema="console", application_name="test")
    try:
        await ConsoleStore(pool).accounts.set_ip_allowlist(gw.creds["accountId"], networks)
    finally:
        await pool.close()
    deadline = asyncio.get_running_loop().time() + 3
    while (await gw.client.post(SUBMIT, json=gw.sms(), headers=gw.headers())).status_code != 403:
        assert asyncio.get_running_loop().time() < deadline, "the allow-list did not reach the gateway"
        await asyncio.sleep(0.05)


async def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(start_gateway) -> None:
    async with start_gateway(trusted_proxies=0) as gw:
        await allow_only(gw, [ALLOWED])
        forged = gw.headers(**{"X-Forwarded-For": "10.1.2.3"})
        gw.assert_error(await gw.client.post(SUBMIT, json=gw.sms(), headers=forged), 403, "IP_NOT_ALLOWED")
        gw.assert_error(await gw.client.get(NOT_A_MESSAGE, headers=forged), 403, "IP_NOT_ALLOWED")


async def test_with_one_trusted_proxy_the_rightmost_address_is_the_client(start_gateway) -> None:
    async with start_gateway(client_ip="192.0.2.10", trusted_proxies=1) as gw:  # the peer is our proxy
        await allow_only(gw, [ALLOWED])
        client_chose_leftmost = gw.headers(**{"X-Forwarded-For": "10.1.2.3, 198.51.100.9"})
        response = await gw.client.post(SUBMIT, json=gw.sms(), headers=client_chose_leftmost)
        gw.assert_error(response, 403, "IP_NOT_ALLOWED")
        assert "198.51.100.9" in response.json()["error"]["message"]
        gw.assert_error(await gw.client.get(NOT_A_MESSAGE, headers=client_chose_leftmost), 403, "IP_NOT_ALLOWED")

        proxied = gw.headers(**{"X-Forwarded-For": "198.51.100.9, 10.1.2.3"})
        response = await gw.client.post(SUBMIT, json=gw.sms(), headers=proxied)
        assert response.status_code == 202, response.text
        assert (await gw.client.get(NOT_A_MESSAGE, headers=proxied)).status_code == 404


async def test_two_trusted_proxies_take_the_second_address_from_the_right(start_gateway) -> None:
    async with start_gateway(client_ip="192.0.2.10", trusted_proxies=2) as gw:
        await allow_only(gw, [ALLOWED])
        # the client forged 10.1.9.9; the CDN appended the client (10.1.2.3), the ingress the CDN
        chain = gw.headers(**{"X-Forwarded-For": "10.1.9.9, 10.1.2.3, 198.51.100.77"})
        assert (await gw.client.post(SUBMIT, json=gw.sms(), headers=chain)).status_code == 202
        chain = gw.headers(**{"X-Forwarded-For": "10.1.2.3, 198.51.100.8, 198.51.100.77"})
        gw.assert_error(await gw.client.post(SUBMIT, json=gw.sms(), headers=chain), 403, "IP_NOT_ALLOWED")
        short = gw.headers(**{"X-Forwarded-For": "10.1.2.3"})  # fewer entries than proxies: the peer counts
        gw.assert_error(await gw.client.post(SUBMIT, json=gw.sms(), headers=short), 403, "IP_NOT_ALLOWED")


async def test_the_deprecated_trust_forwarded_for_means_one_proxy_not_the_leftmost_entry(start_gateway) -> None:
    async with start_gateway(client_ip="192.0.2.10", trust_forwarded_for=True) as gw:
        await allow_only(gw, [ALLOWED])
        leftmost_allowed = gw.headers(**{"X-Forwarded-For": "10.1.2.3, 198.51.100.9"})
        gw.assert_error(await gw.client.post(SUBMIT, json=gw.sms(), headers=leftmost_allowed), 403, "IP_NOT_ALLOWED")
        rightmost_allowed = gw.headers(**{"X-Forwarded-For": "198.51.100.9, 10.1.2.3"})
        assert (await gw.client.post(SUBMIT, json=gw.sms(), headers=rightmost_allowed)).status_code == 202


async def test_served_by_uvicorn_a_forged_forwarded_for_from_loopback_is_refused(start_gateway) -> None:
    """uvicorn's own proxy-header rewriting (on by default, trusting 127.0.0.1) would put the
    forged address into the peer before the gateway sees it: the platform serves without it."""
    async with start_gateway(trusted_proxies=0) as gw:
        await allow_only(gw, [ALLOWED])
        app = build_app(gw.settings)  # the same settings, served over TCP as the platform serves it
        sock: socket.socket = bind_socket("127.0.0.1")
        async with serving(app, sock) as port, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            forged = gw.headers(**{"X-Forwarded-For": "10.1.2.3"})
            response = await client.post(SUBMIT, json=gw.sms(), headers=forged)
            gw.assert_error(response, 403, "IP_NOT_ALLOWED")
            assert "127.0.0.1" in response.json()["error"]["message"]
            gw.assert_error(await client.get(NOT_A_MESSAGE, headers=forged), 403, "IP_NOT_ALLOWED")
