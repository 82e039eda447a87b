"""X-Twilio-Signature: how the voice API signs each callback it POSTs.

base64(HMAC-SHA1(auth token, url + every POST parameter's name and value)), the
parameters sorted by name (and, for a repeated name, by value), exactly as Twilio's
request validators compute it.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
