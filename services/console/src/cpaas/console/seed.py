"""Seeds the local default: an admin login, a demo account with an API key, an approved
sender ID and an approved SMS template; writes them to `.data/demo-credentials.json`.

Idempotent: a second run keeps the same account, ids and key when the credentials file
still matches the database, and issues a new key (rewriting the file) when it does not.
"""

import json
import logging
from pathlib import Path

from cpaas.console.security import hash_api_key, new_password
from cpaas.console.store import MIGRATIONS, SCHEMA, ConsoleStore
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import PostgresSettings

log = logging.getLogger(__name__)

ADMIN_ACCOUNT, ADMIN_USER = "Platform", "admin"
DEMO_ACCOUNT, DEMO_USER = "Demo", "demo"
DEMO_SENDER_ID, DEMO_PE_ID = "CPAASD", "1101456789012345678"
DEMO_SMS_TEMPLATE = {
    "name": "otp_alert",
    "channel": "SMS",
    "category": "Auth",
    "dlt_template_id": "1107161234567890123",
    "body": "Your OTP is {#var#}. It is valid for {#var#} minutes. Do not share it with anyone. -CPAAS",
}


async def _ensure_account(store: ConsoleStore, name: str) -> int:
    return await store.account_id_by_name(name) or await store.create_account(name)


async def _ensure_user(store: ConsoleStore, account_id: int, username: str, role: str, known: dict) -> str:
    """The user's password: kept from the credentials file when it still works, else reset."""
    from cpaas.console.security import verify_password

    row = await store.user_by_name(username)
    password = known.get("password")
    if row is None:
        password = password or new_password()
        await store.create_user(account_id, username, password, role)
    elif not password or not verify_password(row["password_hash"], password):
        password = new_password()
        await store.set_password(row["id"], password)
    return password


async def seed(pg: PostgresSettings, credentials_path: Path) -> dict:
    previous = json.loads(credentials_path.read_text()) if credentials_path.exists() else {}
    pool = await create_pool(pg, schema=SCHEMA, application_name="console-seed")
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        store = ConsoleStore(pool)
        admin_account = await _ensure_account(store, ADMIN_ACCOUNT)
        admin_password = await _ensure_user(store, admin_account, ADMIN_USER, "admin", previous.get("admin", {}))
        account_id = await _ensure_account(store, DEMO_ACCOUNT)
        user_password = await _ensure_user(store, account_id, DEMO_USER, "user", previous.get("user", {}))
        api_key = previous.get("apiKey")
        if not api_key or await store.active_key_hash(account_id) != hash_api_key(api_key):
            api_key = await store.rotate_api_key(account_id)
        sender_row = await store.request_sender_id(account_id, DEMO_SENDER_ID, DEMO_PE_ID)
        await store.review_sender_id(sender_row, "APPROVED")
        sms_template = await store.template_id_by_name(account_id, DEMO_SMS_TEMPLATE["name"])
        if sms_template is None:
            sms_template = await store.create_template(account_id, status="APPROVED", **DEMO_SMS_TEMPLATE)
    finally:
        await pool.close()
    credentials = {
        "accountId": account_id,
        "apiKey": api_key,
        "senderId": DEMO_SENDER_ID,
        "templates": {"SMS": sms_template},
        "admin": {"username": ADMIN_USER, "password": admin_password},
        "user": {"username": DEMO_USER, "password": user_password},
    }
    credentials_path.parent.mkdir(parents=True, exist_ok=True)
    credentials_path.write_text(json.dumps(credentials, indent=2) + "\n")
    credentials_path.chmod(0o600)
    return credentials
