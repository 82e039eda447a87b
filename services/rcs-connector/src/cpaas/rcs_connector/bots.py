"""Bot registration with the provider, for the console's Channels page.

`register_bot` asks the provider for a new bot (agent) under our partner account; the
answer carries the provider's bot id and the bot secret, and the bot is PENDING until
the provider's review (its verdict arrives on the webhook and is logged for now).
"""

import logging
import re

from cpaas.connector_kit.errors import SendError
from cpaas.rcs_connector.providers.base import BotRegistration, RcsProvider

log = logging.getLogger(__name__)
HANDLE = re.compile(r"^[a-z0-9_.-]{3,64}$")  # console.rcs_bots.handle
MAX_DISPLAY_NAME_CHARS = 100


async def register_bot(provider: RcsProvider, display_name: str, handle: str) -> BotRegistration:
    """Register a bot; raises SendError (retryable or a refusal with the provider's reason)."""
    if not 1 <= len(display_name.strip()) <= MAX_DISPLAY_NAME_CHARS:
        raise SendError(f"a bot's display name has 1 to {MAX_DISPLAY_NAME_CHARS} characters", retryable=False)
    if not HANDLE.match(handle):
        raise SendError("a bot handle is 3 to 64 of a-z, 0-9, '_', '.', '-'", retryable=False)
    registration = await provider.register_bot(display_name.strip(), handle)
    log.info("bot registered with the provider", extra={"bot_id": registration.bot_id, "state": registration.state})
    return registration
