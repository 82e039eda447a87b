"""What the compliance check reads of a template and what its verdict decides at submission
(no I/O; the check itself is the ai service's).

The checked text is everything a recipient reads, one part per line, in the order the
template forms compose it (pages/templates/compliance.ts): WhatsApp header text, body,
footer and button texts; RCS text and suggestions, or each card's title, description and
suggestions (and a fallback text that repeats none of them); SMS and voice the body."""

from cpaas.contracts.errors import ApiError, ErrorCode

SEPARATOR = "\n"
HIGH = "HIGH"


def _texts(items: list | None) -> list[str]:
    return [str(item.get("text") or "") for item in items or [] if isinstance(item, dict)]


def checked_parts(channel: str, template_type: str, body: str, content: dict) -> list[str]:
    """The template's texts a recipient reads, empty ones left out."""
    content = content or {}
    if channel == "WHATSAPP":
        header = content.get("header") or {}
        parts = [header.get("text") or "", body, content.get("footer") or "", *_texts(content.get("buttons"))]
    elif channel == "RCS" and template_type in ("RICH_CARD", "CAROUSEL"):
        cards = [content.get("card") or {}] if template_type == "RICH_CARD" else list(content.get("cards") or [])
        parts = []
        for card in cards:
            parts += [card.get("title") or "", card.get("description") or "", *_texts(card.get("suggestions"))]
        if body.strip() and not any(p.strip() and p.strip() in body for p in parts):
            parts.append(body)  # a fallback text of its own (the default one repeats the first card)
    elif channel == "RCS":
        parts = [body, *_texts(content.get("suggestions"))]
    else:
        parts = [body]
    return [p for p in parts if p.strip()]


def checked_text(channel: str, template_type: str, body: str, content: dict) -> str:
    return SEPARATOR.join(checked_parts(channel, template_type, body, content))


def stored(verdict: dict, text: str) -> dict:
    """What a template keeps of its check: the verdict and the text it was made on (the spans
    point into it)."""
    return {
        "riskScore": verdict["riskScore"],
        "riskLevel": verdict["riskLevel"],
        "warnings": verdict.get("warnings", []),
        "text": text,
    }


def summary(verdict: dict) -> str:
    """'HIGH risk (score 93: CHECK-6, CHECK-7, CHECK-9)'."""
    checks = ", ".join(w["check"] for w in verdict.get("warnings", []))
    return f"{verdict['riskLevel']} risk (score {verdict['riskScore']}{': ' + checks if checks else ''})"


def require_confirmation(verdict: dict | None, *, required: bool, confirmed: bool) -> None:
    """A HIGH-risk template is submitted only when confirmed (if the operator asks for it);
    a template that could not be checked (the ai service down) is not held back."""
    if required and not confirmed and verdict is not None and verdict.get("riskLevel") == HIGH:
        raise ApiError(
            ErrorCode.HIGH_RISK_CONFIRMATION_REQUIRED,
            f"the compliance check rates this template {summary(verdict)}; review its warnings, or confirm"
            " to submit it anyway",
            field="confirmHighRisk",
        )
