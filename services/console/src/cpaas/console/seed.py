"""Seeds the local default: an admin login, a demo account with an API key, an approved
sender ID and an approved SMS template; writes them to `.data/demo-credentials.json`.

Idempotent: a second run keeps the same account, ids and key when the credentials file
still matches the database, and issues a new key (rewriting the file) when it does not.
"""

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from cpaas.console.domain.credentials import hash_api_key, new_password, verify_password
from cpaas.console.settings import ConsoleSettings
from cpaas.console.store import MIGRATIONS, SCHEMA, ConsoleStore
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.settings import PostgresSettings

log = logging.getLogger(__name__)

ADMIN_ACCOUNT, ADMIN_USER = "Platform", "admin"
DEMO_ACCOUNT, DEMO_USER = "Demo", "demo"
DEMO_SENDER_ID, DEMO_PE_ID = "CPAASD", "1101456789012345678"
DEMO_WABA = {
    "phone_number": "+919000000001",
    "waba_id": "102290129340398",
    "phone_number_id": "106540352242922",
    "api_key": "local-dev-wa-token",
    "display_name": "CPaaS Demo",
}
DEMO_RCS_BOT = {
    "display_name": "CPaaS Demo",
    "bot_id": "cpaas_demo_agent",
    "handle": "cpaas-demo",
    "api_key": "local-dev-rbm-secret",
    "status": "ACTIVE",
}
MEDIA = "http://127.0.0.1:8090/sandbox/media"
DEMO_TEMPLATES = {
    "WHATSAPP": {
        "name": "order_update",
        "channel": "WHATSAPP",
        "category": "UTILITY",
        "template_type": "TEXT",
        "body": "Hi {{1}}, your order {{2}} has shipped and arrives tomorrow.",
        "content": {"footer": "CPaaS Demo", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]},
    },
    "RCS": {
        "name": "rcs_welcome",
        "channel": "RCS",
        "template_type": "TEXT",
        "body": "Welcome {{1}}! Your account is ready.",
        "content": {
            "suggestions": [
                {"type": "REPLY", "text": "Get started", "postbackData": "start"},
                {"type": "OPEN_URL", "text": "Visit us", "url": "https://example.com"},
            ]
        },
    },
    "RCS_RICH_CARD": {
        "name": "rcs_offer_card",
        "channel": "RCS",
        "template_type": "RICH_CARD",
        "body": "Offer for {{1}}",
        "content": {
            "orientation": "VERTICAL",
            "height": "MEDIUM",
            "card": {
                "title": "Diwali offer",
                "description": "20% off for {{1}}",
                "mediaUrl": f"{MEDIA}/offer.png",
                "suggestions": [{"type": "DIAL", "text": "Call us", "phoneNumber": "+919000000001"}],
            },
        },
    },
    "RCS_CAROUSEL": {
        "name": "rcs_catalogue",
        "channel": "RCS",
        "template_type": "CAROUSEL",
        "body": "Our picks for {{1}}",
        "content": {
            "cardWidth": "MEDIUM",
            "height": "MEDIUM",
            "cards": [
                {
                    "title": f"Pick {n}",
                    "description": f"Item {n}",
                    "mediaUrl": f"{MEDIA}/item{n}.png",
                    "suggestions": [{"type": "REPLY", "text": "Buy", "postbackData": f"buy-{n}"}],
                }
                for n in (1, 2, 3)
            ],
        },
    },
    "VOICE": {
        "name": "voice_otp",
        "channel": "VOICE",
        "template_type": "TTS",
        "body": "Your verification code is {{1}}. I repeat, {{1}}.",
        "content": {"voice": "female", "language": "en-IN", "repeat": 1},
    },
}
DEMO_SMS_TEMPLATE = {
    "name": "otp_alert",
    "channel": "SMS",
    "category": "Auth",
    "dlt_template_id": "1107161234567890123",
    "body": "Your OTP is {#var#}. It is valid for {#var#} minutes. Do not share it with anyone. -CPAAS",
}


async def _ensure_account(store: ConsoleStore, name: str) -> int:
    return await store.accounts.id_by_name(name) or await store.accounts.create(name)


async def _ensure_user(store: ConsoleStore, account_id: int, username: str, role: str, known: dict) -> str:
    """The user's password: kept from the credentials file when it still works, else reset."""
    row = await store.users.by_name(username)
    password = known.get("password")
    if row is None:
        password = password or new_password()
        await store.users.create(account_id, username, password, role)
    elif not password or not verify_password(row["password_hash"], password):
        password = new_password()
        await store.users.reset_password(row["id"], password)
    return password


async def seed(pg: PostgresSettings, credentials_path: Path, secrets_key: str | None = None) -> dict:
    """`secrets_key` seals the demo channels' credentials (the console's, by default)."""
    previous = json.loads(credentials_path.read_text()) if credentials_path.exists() else {}
    pool = await create_pool(pg, schema=SCHEMA, application_name="console-seed")
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        store = ConsoleStore(pool, SecretBox(secrets_key or ConsoleSettings().secrets_key))
        admin_account = await _ensure_account(store, ADMIN_ACCOUNT)
        admin_password = await _ensure_user(store, admin_account, ADMIN_USER, "admin", previous.get("admin", {}))
        account_id = await _ensure_account(store, DEMO_ACCOUNT)
        user_password = await _ensure_user(store, account_id, DEMO_USER, "user", previous.get("user", {}))
        api_key = previous.get("apiKey")
        if not api_key or await store.accounts.active_key_hash(account_id) != hash_api_key(api_key):
            api_key = await store.accounts.rotate_api_key(account_id)
        await store.sender_ids.ensure_approved(account_id, DEMO_SENDER_ID, DEMO_PE_ID)
        sms_template = await store.templates.id_by_name(account_id, DEMO_SMS_TEMPLATE["name"])
        if sms_template is None:
            sms_template = await store.templates.create(account_id, status="APPROVED", **DEMO_SMS_TEMPLATE)
        waba = await store.channels.ensure_waba_number(account_id, **DEMO_WABA)
        bot = await store.channels.ensure_rcs_bot(account_id, **DEMO_RCS_BOT)
        templates = {"SMS": sms_template}
        for key, spec in DEMO_TEMPLATES.items():
            template_id = await store.templates.id_by_name(account_id, spec["name"])
            if template_id is None:
                template_id = await store.templates.create(account_id, status="APPROVED", **spec)
            await store.templates.set_identity(
                template_id,
                waba_number_id=waba if spec["channel"] == "WHATSAPP" else None,
                rcs_bot_id=bot if spec["channel"] == "RCS" else None,
            )
            # the demo's templates stand for ones its provider approved long ago (registered out
            # of band: the sandboxes accept a template they never saw)
            await store.templates.apply_provider_verdict(
                template_id, account_id, "APPROVED", None, None, datetime.fromtimestamp(0, UTC)
            )
            templates[key] = template_id
        await store.webhook_secrets.issue(account_id)  # sealed; kept when it had one
        webhook_secret = await store.webhook_secrets.current(account_id)
    finally:
        await pool.close()
    credentials = {
        "accountId": account_id,
        "apiKey": api_key,
        "senderId": DEMO_SENDER_ID,
        "templates": templates,
        "wabaNumber": DEMO_WABA["phone_number"],
        "rcsBot": DEMO_RCS_BOT["bot_id"],
        "webhookSecret": webhook_secret,
        "admin": {"username": ADMIN_USER, "password": admin_password},
        "user": {"username": DEMO_USER, "password": user_password},
    }
    credentials_path.parent.mkdir(parents=True, exist_ok=True)
    credentials_path.write_text(json.dumps(credentials, indent=2) + "\n")
    credentials_path.chmod(0o600)
    return credentials
