"""ControlPlane against the console's real schema: every lookup, what it answers for a row
that is missing or deleted, and eviction by the console's own change notifications."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from cpaas.control_plane import MISS, ControlPlane
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.settings import PostgresSettings

from .conftest import Console, key_hash

BOX = SecretBox("test-secrets-key")


@pytest.fixture
async def control(console_pool: asyncpg.Pool, pg_settings: PostgresSettings) -> AsyncIterator[ControlPlane]:
    """A reader kept current by the console's notifications, as the services run it."""
    reader = ControlPlane(console_pool, ttl_seconds=60, absent_ttl_seconds=60, open_secret=BOX.open)
    async with reader.listening(pg_settings.dsn):
        yield reader


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "the change never reached the cache"
        await asyncio.sleep(0.02)


async def test_an_api_key_finds_its_account_with_access_and_settings(control: ControlPlane, console: Console) -> None:
    account_id = await console.account(
        ip_allowlist=["10.0.0.0/8"],
        submit_rate_per_second=7,
        webhook_url="https://hooks.example/r",
        webhook_secret="whsec_topsecret",
    )
    await console.api_key(account_id, "live-key")
    assert control.cached_account_for_key(key_hash("live-key")) is MISS
    account = await control.account_for_key(key_hash("live-key"))
    assert account is not None and account.id == account_id and account.active
    assert account.submit_rate_per_second == 7
    assert account.allows("10.2.3.4") and not account.allows("192.0.2.1") and not account.allows(None)
    assert account.webhook_url == "https://hooks.example/r" and account.webhook_enabled
    assert account.webhook_secret == "whsec_topsecret" and "topsecret" not in repr(account)

    async def cached() -> bool:
        # kept once read, unless the account's own notifications (they may come after the
        # lookup) have just dropped it: then the next read keeps it
        return await control.account_for_key(key_hash("live-key")) == account and (
            control.cached_account_for_key(key_hash("live-key")) == account
        )

    await eventually(cached)


async def test_an_unknown_key_is_none_until_that_key_is_created(control: ControlPlane, console: Console) -> None:
    account_id = await console.account()

    async def known_unknown() -> bool:
        assert await control.account_for_key(key_hash("new-key")) is None
        # remembered as unknown, unless the account's own notification (it may come after
        # the lookup) has just dropped every unknown: then the next round remembers it
        return control.cached_account_for_key(key_hash("new-key")) is None

    await eventually(known_unknown)
    await console.api_key(account_id, "new-key")

    async def known() -> bool:
        return await control.account_for_key(key_hash("new-key")) is not None

    await eventually(known)


async def test_a_revoked_key_stops_working_at_once(control: ControlPlane, console: Console) -> None:
    account_id = await console.account()
    await console.api_key(account_id, "old-key")
    assert await control.account_for_key(key_hash("old-key")) is not None
    await console.pool.execute("UPDATE console.api_keys SET revoked_at = now() WHERE account_id = $1", account_id)

    async def refused() -> bool:
        return await control.account_for_key(key_hash("old-key")) is None

    await eventually(refused)


async def test_accounts_batch_leaves_out_accounts_that_do_not_exist(control: ControlPlane, console: Console) -> None:
    first, second = await console.account("One"), await console.account("Two", status="SUSPENDED")
    found = await control.accounts([first, second, 999_999])
    assert set(found) == {first, second}
    assert found[first].active and not found[second].active
    assert found[first].ip_networks == () and found[first].allows("192.0.2.1")  # empty allow-list: everyone
    assert await control.account(999_999) is None


async def test_a_template_carries_its_identity(control: ControlPlane, console: Console) -> None:
    account_id = await console.account()
    number = await console.waba_number(account_id, "+919812345678")
    idle = await console.waba_number(account_id, "+919812345679", status="INACTIVE")
    pending_bot = await console.rcs_bot(account_id, "pending_bot", status="PENDING")
    sms = await console.template(
        account_id, "otp", category="UIC", dlt_template_id="1107160000000", body="Code {#var#} for {#var#}"
    )
    wa = await console.template(
        account_id,
        "welcome",
        "WHATSAPP",
        category="UTILITY",
        body="Hi {{1}}",
        waba_number_id=number,
        content='{"footer": "Acme"}',
    )
    wa_idle = await console.template(account_id, "idle", "WHATSAPP", waba_number_id=idle)
    wa_none = await console.template(account_id, "no_number", "WHATSAPP")
    rcs = await console.template(account_id, "card", "RCS", template_type="RICH_CARD", rcs_bot_id=pending_bot)

    found = await control.templates([sms, wa, wa_idle, wa_none, rcs, 999_999])
    assert set(found) == {sms, wa, wa_idle, wa_none, rcs}
    assert found[sms].identity_active and found[sms].variable_count == 2
    assert found[sms].dlt_template_id == "1107160000000" and found[sms].category == "UIC"
    assert found[wa].identity_active and found[wa].waba_phone_number == "+919812345678"
    assert found[wa].content == {"footer": "Acme"} and found[wa].variable_count == 1
    assert not found[wa_idle].identity_active and not found[wa_none].identity_active
    assert not found[rcs].identity_active and found[rcs].template_type == "RICH_CARD"
    assert found[rcs].rcs_bot_id == pending_bot


async def test_a_template_of_another_account_is_none_for_this_one(control: ControlPlane, console: Console) -> None:
    mine, theirs = await console.account("Mine"), await console.account("Theirs")
    template_id = await console.template(theirs, "theirs")
    assert await control.template(mine, template_id) is None
    assert (await control.template(theirs, template_id)).name == "theirs"
    assert await control.template(mine, 999_999) is None


async def test_a_changed_template_is_read_again_at_once(control: ControlPlane, console: Console) -> None:
    account_id = await console.account()
    template_id = await console.template(account_id, "otp", status="PENDING")
    assert (await control.template(account_id, template_id)).status == "PENDING"
    await console.pool.execute("UPDATE console.templates SET status = 'APPROVED' WHERE id = $1", template_id)

    async def approved() -> bool:
        return (await control.template(account_id, template_id)).status == "APPROVED"

    await eventually(approved)


async def test_a_deleted_template_is_none_after_its_notification(control: ControlPlane, console: Console) -> None:
    account_id = await console.account()
    template_id = await console.template(account_id, "short_lived")
    assert await control.template(account_id, template_id) is not None
    await console.pool.execute("DELETE FROM console.templates WHERE id = $1", template_id)

    async def gone() -> bool:
        return await control.template(account_id, template_id) is None

    await eventually(gone)


async def test_a_template_id_created_after_a_miss_is_found(control: ControlPlane, console: Console) -> None:
    account_id = await console.account()
    next_id = await console.pool.fetchval("SELECT coalesce(max(id), 0) + 1 FROM console.templates")
    assert await control.templates([next_id]) == {}
    other = await console.account("Other")  # the template's owner is not the account that asked
    await console.template(other, "late", id=next_id)

    async def found() -> bool:
        return next_id in await control.templates([next_id])

    await eventually(found)
    assert await control.template(account_id, next_id) is None


async def test_sender_ids_and_blacklist_of_an_account(control: ControlPlane, console: Console) -> None:
    account_id, empty = await console.account(), await console.account("Empty")
    await console.sender_id(account_id, "ACMEIN")
    await console.sender_id(account_id, "ACMEPN", status="PENDING")
    await console.blacklist(account_id, "+919876543210")
    senders = await control.sender_ids(account_id)
    assert senders.approved == frozenset({"ACMEIN"})
    assert senders.by_name["ACMEPN"].status == "PENDING" and senders.by_name["ACMEIN"].pe_id == "1201160000000"
    assert await control.blacklist(account_id) == frozenset({"+919876543210"})
    assert (await control.sender_ids(empty)).by_name == {} and await control.blacklist(empty) == frozenset()
    both = await control.sender_ids_of([account_id, empty])
    assert both[account_id].approved == {"ACMEIN"} and both[empty].approved == frozenset()

    await console.pool.execute("DELETE FROM console.blacklist WHERE account_id = $1", account_id)

    async def unlisted() -> bool:
        return await control.blacklist(account_id) == frozenset()

    await eventually(unlisted)


async def test_channels_come_oldest_first_with_their_secrets_opened(control: ControlPlane, console: Console) -> None:
    account_id, empty = await console.account(), await console.account("Empty")
    first = await console.waba_number(account_id, "+919812345678", api_key=BOX.seal("wa-token-1"))
    second = await console.waba_number(account_id, "+919812345679", api_key="legacy-plain-token")
    bot = await console.rcs_bot(account_id, "acme_bot", api_key=BOX.seal("bot-secret"))
    numbers = await control.waba_numbers([account_id, empty])
    assert [n.id for n in numbers[account_id]] == [first, second] and numbers[empty] == ()
    assert [n.api_key for n in numbers[account_id]] == ["wa-token-1", "legacy-plain-token"]
    assert "wa-token-1" not in repr(numbers[account_id])
    bots = await control.rcs_bots([account_id])
    assert [(b.id, b.bot_id, b.api_key, b.status) for b in bots[account_id]] == [
        (bot, "agent-acme_bot", "bot-secret", "ACTIVE")
    ]


async def test_without_an_opener_secrets_come_as_stored(console_pool: asyncpg.Pool, console: Console) -> None:
    account_id = await console.account()
    sealed = BOX.seal("wa-token")
    await console.waba_number(account_id, "+919812345678", api_key=sealed)
    reader = ControlPlane(console_pool, ttl_seconds=60)
    assert (await reader.waba_numbers([account_id]))[account_id][0].api_key == sealed


async def test_without_a_notification_an_entry_lives_its_ttl(console_pool: asyncpg.Pool, console: Console) -> None:
    now = [0.0]
    reader = ControlPlane(console_pool, ttl_seconds=30, clock=lambda: now[0])  # no listener: TTL only
    account_id = await console.account()
    assert await reader.blacklist(account_id) == frozenset()
    await console.blacklist(account_id, "+919876543210")
    now[0] = 29.0
    assert await reader.blacklist(account_id) == frozenset()
    now[0] = 30.0
    assert await reader.blacklist(account_id) == frozenset({"+919876543210"})


async def test_losing_the_listen_connection_clears_the_cache(
    control: ControlPlane, console: Console, console_pool: asyncpg.Pool
) -> None:
    account_id = await console.account()

    async def cached() -> bool:
        # kept once read, unless the account's own notification (it may come after the read)
        # has just dropped it: then the next read keeps it
        await control.blacklist(account_id)
        return len(control.cache) == 1

    await eventually(cached)
    terminated = await console_pool.fetchval(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
    )
    assert terminated >= 1  # the reader's listen connection was there, and is gone

    async def cleared() -> bool:
        return len(control.cache) == 0

    await eventually(cleared, timeout=10)
    assert len(control.cache) == 0
