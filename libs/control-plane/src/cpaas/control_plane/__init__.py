"""cpaas.control_plane: the typed, cached read side of the console's data.

    control = ControlPlane(pool, ttl_seconds=60, open_secret=SecretBox(key).open)
    listener = control.listener(settings.postgres.dsn)   # start() / stop() it in the lifespan
    template = await control.template(account_id, template_id)

See the package README for what each lookup answers for a missing or deleted row.
"""

from cpaas.control_plane.cache import MISS, AccountCache
from cpaas.control_plane.reader import ControlPlane
from cpaas.control_plane.records import (
    ACTIVE,
    APPROVED,
    Account,
    RcsBot,
    SenderId,
    SenderIds,
    Template,
    WabaNumber,
    channel_identity,
    parse_allowlist,
)

__all__ = [
    "ACTIVE",
    "APPROVED",
    "MISS",
    "Account",
    "AccountCache",
    "ControlPlane",
    "RcsBot",
    "SenderId",
    "SenderIds",
    "Template",
    "WabaNumber",
    "channel_identity",
    "parse_allowlist",
]
