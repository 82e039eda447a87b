"""Reading the TwiML a call is created with: what the callee would hear.

Only a `<Response>` document is accepted; its `<Say>` verbs are kept (text, voice,
language, loop) so tests can check what would be spoken. Other verbs (Pause, Play,
Hangup...) are allowed and ignored.
"""

import xml.etree.ElementTree as ET

from pydantic import BaseModel

MAX_TWIML_CHARS = 4000  # Twilio's limit on the Twiml parameter


class TwimlError(ValueError):
    pass


class Say(BaseModel):
    text: str
    voice: str | None = None
    language: str | None = None
    loop: int = 1


def parse_twiml(twiml: str) -> list[Say]:
    """The `<Say>` verbs of a TwiML document; raises TwimlError when it is not one.

    A document type declaration is refused before parsing, so no entity is ever expanded.
    """
    if len(twiml) > MAX_TWIML_CHARS:
        raise TwimlError(f"Twiml is longer than {MAX_TWIML_CHARS} characters")
    if "<!" in twiml:
        raise TwimlError("Twiml may not contain a document type declaration")
    try:
        root = ET.fromstring(twiml)  # noqa: S314 - no DTD (refused above), bounded size
    except ET.ParseError as exc:
        raise TwimlError(f"Twiml is not well-formed XML: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError("the root element of Twiml must be <Response>")
    says = []
    for element in root.iter("Say"):
        loop = element.get("loop", "1")
        if not loop.isdigit():
            raise TwimlError(f"<Say loop> must be a number, not {loop!r}")
        says.append(
            Say(text=element.text or "", voice=element.get("voice"), language=element.get("language"), loop=int(loop))
        )
    return says
