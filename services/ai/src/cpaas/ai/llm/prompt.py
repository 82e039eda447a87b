"""The prompt for an OpenAI-compatible model: the channel's limits, the placeholder style,
the TRAI/DLT rules the compliance check enforces, and one compliant example from the
local library, asking for JSON drafts."""

import json

from cpaas.ai.domain.assist.drafts import BUTTON_TEXT_MAX, DLT_VARIABLE_MAX, WA_BODY_MAX, WA_FOOTER_MAX, WA_HEADER_MAX
from cpaas.ai.domain.assist.generator import AssistRequest
from cpaas.ai.domain.assist.request import Instructions, Topic
from cpaas.ai.domain.compliance.text import CategoryKind, category_kind

RULES = """Rules (TRAI/DLT and Meta; a draft that breaks one is rejected):
- No fraud, phishing, adult, gambling or threats; never ask the reader to share, send or enter an OTP, PIN, CVV, password or card details.
- No urgency or pressure words (urgent, act now, hurry, last chance, immediately, limited time).
- No prize, lottery, lucky draw or "you have won" language.
- No URL shorteners (bit.ly, tinyurl ...), no APK links, no "forward to friends", no personal mobile numbers.
- Do not repeat a sentence.
- Promotional text only in a promotional template, and it must carry opt-out language ("Reply STOP to opt out")."""

CHANNEL_LIMITS = {
    "WHATSAPP": (
        f"WhatsApp template: header <= {WA_HEADER_MAX} characters without variables, body <= {WA_BODY_MAX} characters"
        " with numbered variables {{1}}, {{2}} ... in order, not at the very start or end of the body and never two"
        f" side by side, footer <= {WA_FOOTER_MAX} characters without variables, buttons with text <= {BUTTON_TEXT_MAX}"
        " characters."
    ),
    "SMS": (
        "SMS on DLT: one GSM-7 segment (160 characters) if possible, plain ASCII for English; every variable is written"
        f" {{#var#}} and carries at most {DLT_VARIABLE_MAX} characters."
    ),
    "RCS": "RCS text message: body with numbered variables {{1}}, {{2}} ...; up to 4 suggestion buttons.",
    "VOICE": "Voice (text to speech): short spoken sentences with numbered variables {{1}}, {{2}} ...",
}

SHAPE = (
    'Answer with JSON only: {"drafts": [{"header": "...", "body": "...", "footer": "...", "buttons": ["..."]}]}'
    " with up to 3 different drafts. header, footer and buttons only for WhatsApp."
)


def messages(request: AssistRequest, topic: Topic, wants: Instructions, example: str | None) -> list[dict]:
    kind = category_kind(request.category)
    language = "Hindi in Devanagari script" if wants.language == "hi" else "English"
    promotional = "promotional (needs opt-out)" if kind is CategoryKind.PROMOTIONAL else "not promotional"
    system = "\n".join(
        [
            "You write message templates for an Indian business messaging platform.",
            CHANNEL_LIMITS[request.channel],
            RULES,
            SHAPE,
        ]
    )
    user = {
        "templateName": request.name,
        "topic": topic.intent.replace("_", " "),
        "channel": request.channel,
        "category": f"{request.category or 'none'} ({promotional})",
        "language": language,
        "tone": wants.tone,
        "instructions": request.instructions or "",
        "compliantExample": example or "",
    }
    return [{"role": "system", "content": system}, {"role": "user", "content": json.dumps(user, ensure_ascii=False)}]
