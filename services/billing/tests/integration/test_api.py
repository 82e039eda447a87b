"""The internal billing API (balances, transaction log, adjustments, prices), the balance
NOTIFY, and the opening-balance seed."""

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import asyncpg

from cpaas.billing.seed import ensure_opening_balance
from cpaas.billing.store import SCHEMA
from cpaas.contracts import MessageStatus as S
from cpaas.contracts.ids import new_message_id
from cpaas.platform.db import pool_lifespan

TOKEN = {"X-Service-Token": "local-dev-service-token"}


def adjustments(account_id: int) -> str:
    return f"/api/v1/billing/accounts/{account_id}/adjustments"


def transactions(account_id: int) -> str:
    return f"/api/v1/billing/accounts/{account_id}/transactions"


async def test_admin_credit_appears_in_the_transaction_log_with_its_reason(harness) -> None:
    account = harness.account_id
    async with harness.service() as api:
        credit = await api.post(
            adjustments(account),
            json={"amountMinor": 50_000, "reason": "Top-up, invoice 2291", "actor": "admin"},
            headers=TOKEN,
        )
        debit = await api.post(
            adjustments(account), json={"amountMinor": -1_500, "reason": "Refund reversal"}, headers=TOKEN
        )
        log = (await api.get(transactions(account), headers=TOKEN)).json()
        balance = (await api.get(f"/api/v1/billing/accounts/{account}/balance", headers=TOKEN)).json()
    assert credit.status_code == 201 and debit.status_code == 201
    assert credit.json()["kind"] == "CREDIT" and credit.json()["balanceAfterMinor"] == 50_000
    assert log["total"] == 2 and (log["page"], log["pageSize"]) == (1, 20)
    newest, oldest = log["items"]
    assert (newest["kind"], newest["amountMinor"], newest["balanceAfterMinor"]) == ("DEBIT", -1_500, 48_500)
    assert (oldest["kind"], oldest["amountMinor"], oldest["reason"], oldest["actor"]) == (
        "CREDIT",
        50_000,
        "Top-up, invoice 2291",
        "admin",
    )
    assert balance == {
        "accountId": account,
        "balanceMinor": 48_500,
        "currency": "INR",
        "updatedAt": balance["updatedAt"],
    }


async def test_adjustment_api_refuses_without_the_service_token(harness) -> None:
    account = harness.account_id
    body = {"amountMinor": 1_000, "reason": "free money"}
    async with harness.service() as api:
        missing = await api.post(adjustments(account), json=body)
        wrong = await api.post(adjustments(account), json=body, headers={"X-Service-Token": "guess-guess-guess"})
        read = await api.get(transactions(account))
        ops = await api.get("/healthz")
    assert missing.status_code == wrong.status_code == read.status_code == 401
    assert missing.json()["error"]["code"] == "UNAUTHORIZED"
    assert ops.status_code == 200
    assert await harness.balance() is None


async def test_adjustment_with_the_same_idempotency_key_applies_once(harness) -> None:
    account = harness.account_id
    body = {"amountMinor": 10_000, "reason": "Top-up"}
    headers = {**TOKEN, "Idempotency-Key": "topup-77"}
    async with harness.service() as api:
        first = await api.post(adjustments(account), json=body, headers=headers)
        again = await api.post(adjustments(account), json=body, headers=headers)
        other = await api.post(adjustments(account), json={**body, "amountMinor": 99}, headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json() == first.json()
    assert other.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    assert await harness.balance() == 10_000


async def test_adjustment_needs_a_reason_and_an_amount(harness) -> None:
    async with harness.service() as api:
        no_reason = await api.post(adjustments(harness.account_id), json={"amountMinor": 5}, headers=TOKEN)
        blank = await api.post(adjustments(harness.account_id), json={"amountMinor": 5, "reason": " "}, headers=TOKEN)
        zero = await api.post(adjustments(harness.account_id), json={"amountMinor": 0, "reason": "x"}, headers=TOKEN)
    assert no_reason.status_code == blank.status_code == zero.status_code == 422
    assert no_reason.json()["error"]["field"] == "reason"
    assert zero.json()["error"]["field"] == "amountMinor"


async def test_transaction_log_filters_by_kind_and_time_and_pages_newest_first(harness) -> None:
    account = harness.account_id
    message_id = new_message_id()
    async with harness.service() as api:
        for n in range(3):
            await api.post(adjustments(account), json={"amountMinor": 100 + n, "reason": f"credit {n}"}, headers=TOKEN)
        await harness.publish(harness.status(message_id, S.SUBMITTED_OPERATOR))
        await harness.wait_for_charges(message_id, 1)
        charges = (await api.get(transactions(account), params={"kind": "CHARGE"}, headers=TOKEN)).json()
        page2 = (await api.get(transactions(account), params={"pageSize": 2, "page": 2}, headers=TOKEN)).json()
        later = datetime.now(UTC) + timedelta(minutes=1)
        none = (await api.get(transactions(account), params={"from": later.isoformat()}, headers=TOKEN)).json()
        too_big = await api.get(transactions(account), params={"pageSize": 1000}, headers=TOKEN)
    assert charges["total"] == 1
    assert charges["items"][0]["messageId"] == message_id and charges["items"][0]["priceCode"] == "SMS_SEGMENT"
    assert page2["total"] == 4 and [i["reason"] for i in page2["items"]] == ["credit 1", "credit 0"]
    assert none == {"items": [], "page": 1, "pageSize": 20, "total": 0}
    assert too_big.status_code == 422


async def test_balance_of_an_account_never_charged_is_zero(harness) -> None:
    async with harness.service() as api:
        response = await api.get("/api/v1/billing/accounts/424242/balance", headers=TOKEN)
    assert response.json() == {"accountId": 424242, "balanceMinor": 0, "currency": "INR", "updatedAt": None}


async def test_price_list_is_documented_and_a_changed_price_applies_to_the_next_charge(harness) -> None:
    message_id = new_message_id()
    async with harness.service() as api:
        prices = (await api.get("/api/v1/billing/prices", headers=TOKEN)).json()
        changed = await api.put(
            "/api/v1/billing/prices/SMS_SEGMENT", json={"amountMinor": 30, "actor": "ops"}, headers=TOKEN
        )
        unknown = await api.put("/api/v1/billing/prices/SMS_FLASH", json={"amountMinor": 30}, headers=TOKEN)
        await harness.publish(harness.status(message_id, S.SUBMITTED_OPERATOR, segments=2))
        [charge] = await harness.wait_for_charges(message_id, 1)
    by_code = {p["priceCode"]: p for p in prices["items"]}
    assert {code: p["amountMinor"] for code, p in by_code.items()} == {
        "SMS_SEGMENT": 25,
        "WA_UIC": 35,
        "WA_MIC": 80,
        "WA_SIC": 30,
        "WA_AUTH": 15,
        "WA_AUTH_INT": 120,
        "RCS_TEXT": 20,
        "RCS_RICH_CARD": 40,
        "RCS_CAROUSEL": 60,
        "VOICE_CALL": 100,
    }
    assert by_code["WA_AUTH_INT"]["category"] == "Auth INT" and prices["currency"] == "INR"
    assert changed.status_code == 200 and changed.json()["updatedBy"] == "ops"
    assert unknown.status_code == 404
    assert (charge["unit_price_minor"], charge["amount_minor"]) == (30, -60)


async def test_every_balance_change_is_notified_on_cpaas_billing(harness, pg_settings) -> None:
    received: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(pg_settings.dsn)
    await listener.add_listener("cpaas_billing", lambda *args: received.put_nowait(args[3]))
    message_id = new_message_id()
    try:
        async with harness.service() as api:
            await api.post(
                adjustments(harness.account_id), json={"amountMinor": 500, "reason": "top-up"}, headers=TOKEN
            )
            credited = await asyncio.wait_for(received.get(), 10)
            await harness.publish(harness.status(message_id, S.SUBMITTED_OPERATOR))
            charged = await asyncio.wait_for(received.get(), 10)
    finally:
        await listener.close()
    assert (credited, charged) == (f"{harness.account_id}:500", f"{harness.account_id}:475")


async def test_opening_balance_is_credited_once(harness, pg_settings) -> None:
    async with pool_lifespan(pg_settings, schema=SCHEMA, application_name="test") as pool:
        first = await ensure_opening_balance(pool, harness.account_id, 100_000, "Opening balance")
        again = await ensure_opening_balance(pool, harness.account_id, 100_000, "Opening balance")
    assert first["id"] == again["id"] and first["reason"] == "Opening balance"
    assert await harness.balance() == 100_000


async def test_credit_command_is_idempotent(harness, pg_settings) -> None:
    command = [sys.executable, "-m", "cpaas.billing", "credit", "--account", "9", "--amount-minor", "2500"]
    command += ["--reason", "Welcome credit"]
    env = {**os.environ, "CPAAS_PG_DSN": pg_settings.dsn}
    outputs = [
        json.loads((await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, check=True)).stdout)
        for _ in range(2)
    ]
    assert outputs[0] == outputs[1]
    assert (outputs[0]["kind"], outputs[0]["amount_minor"], outputs[0]["reason"]) == ("CREDIT", 2500, "Welcome credit")
    assert await harness.balance(9) == 2500
