"""TwiML of a text-to-speech call: one <Say> with the template's voice, language and repeat.
The text and attributes are XML-escaped, so no variable can add markup."""

from xml.sax.saxutils import escape

from cpaas.voice_connector.providers.base import Speech


def _attribute(value: str) -> str:
    return '"' + escape(value, {'"': "&quot;"}) + '"'


def say_twiml(speech: Speech) -> str:
    """`<Response><Say voice="female" language="en-IN" loop="1">text</Say></Response>`."""
    attributes = f'voice={_attribute(speech.voice)} language={_attribute(speech.language)} loop="{speech.repeat}"'
    return f"<Response><Say {attributes}>{escape(speech.text)}</Say></Response>"
