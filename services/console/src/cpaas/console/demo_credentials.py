"""`make run`'s `.data/demo-credentials.json`, kept true while the platform runs: when the
demo account's API key or webhook secret is rotated in the console, the file the launcher
named (`CPAAS_CONSOLE_DEMO_CREDENTIALS_FILE`) gets the new value. Only the account the file
is about is written, atomically and readable by its owner only; outside `make run` there is
no file and this does nothing."""

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def update(path: Path | None, account_id: int, **changes: str) -> bool:
    """Write `changes` (e.g. apiKey=...) into the credentials file if it is `account_id`'s;
    True when it was written. Never raises: the rotation itself has happened either way."""
    if path is None or not path.is_file():
        return False
    try:
        credentials = json.loads(path.read_text())
        if credentials.get("accountId") != account_id:
            return False
        credentials.update(changes)
        fresh = path.with_name(path.name + ".tmp")
        fresh.write_text(json.dumps(credentials, indent=2) + "\n")
        fresh.chmod(0o600)
        os.replace(fresh, path)
    except (OSError, ValueError) as exc:
        log.warning("the demo credentials file could not be updated", extra={"error": type(exc).__name__})
        return False
    return True
