"""The console's SQL: the control plane's tables (schema `console`, migrations in
../migrations), one store per area over one asyncpg pool, plain SQL in named methods.

One module per area rather than one module: the console writes eleven tables for a dozen
screens, and one class of some fifty methods would be a module past 600 lines where a
reader looks for "the SQL of sender IDs". Each area's module is that screen's SQL and
nothing else; `ConsoleStore` is the one object the app, the seed and tests hold
(`store.templates.review(...)`). Other services read these tables through
cpaas.control_plane, never through this package."""

from pathlib import Path

import asyncpg

from cpaas.console.store.accounts import AccountStore
from cpaas.console.store.approvals import ApprovalStore
from cpaas.console.store.audit import AuditStore
from cpaas.console.store.blacklist import BlacklistStore
from cpaas.console.store.channels import ChannelStore
from cpaas.console.store.media import MediaStore
from cpaas.console.store.sender_ids import SenderIdStore
from cpaas.console.store.sessions import SessionStore
from cpaas.console.store.templates import TemplateStore
from cpaas.console.store.throttle import ThrottleStore
from cpaas.console.store.users import UserStore
from cpaas.console.store.webhook_secrets import WebhookSecretStore
from cpaas.platform.secretbox import LOCAL_KEY, SecretBox

SCHEMA = "console"
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


class ConsoleStore:
    """`box` seals provider credentials before they are stored (the local key by default)."""

    def __init__(self, pool: asyncpg.Pool, box: SecretBox | None = None) -> None:
        self.pool = pool
        self.accounts = AccountStore(pool)
        self.users = UserStore(pool)
        self.sessions = SessionStore(pool)
        self.throttle = ThrottleStore(pool)
        self.templates = TemplateStore(pool)
        self.sender_ids = SenderIdStore(pool)
        box = box or SecretBox(LOCAL_KEY)
        self.channels = ChannelStore(pool, box)
        self.webhook_secrets = WebhookSecretStore(pool, box)  # sealed, rotatable with a grace period
        self.blacklist = BlacklistStore(pool)
        self.approvals = ApprovalStore(pool)
        self.media = MediaStore(pool)
        self.audit = AuditStore(pool)  # the append-only audit log: record(...) from any area
