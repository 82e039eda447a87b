"""The rule side of the check: lexicon matches for the content rules (CHECK-1, 3, 7, 8, 9),
the promotional/opt-out judgement of CHECK-2, and the structural checks (CHECK-4 phones,
CHECK-5 duplicates, CHECK-6 shorteners). Each returns findings with spans and rewrites."""

import re

from cpaas.ai.domain.compliance import duplicates, phones, urls
from cpaas.ai.domain.compliance.findings import Finding
from cpaas.ai.domain.compliance.lexicon import FLAGS, Rule, rules, suppressed
from cpaas.ai.domain.compliance.text import DEVANAGARI, CategoryKind, Message, placeholder_spans

LEXICON_RULES = ("CHECK-1", "CHECK-3", "CHECK-7", "CHECK-8", "CHECK-9")
# a body that is mostly variables can carry any text: operators blocked such templates as
# "prone to fraud" (DOMAIN-NOTES), so it counts as CHECK-1
OPEN_TEMPLATE_FIXED_CHARS = 12  # fewer fixed letters than this beside the variables
FIXED_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def fill(template: str, message: Message, match: str = "") -> str:
    return template.replace("{var}", message.next_variable()).replace("{match}", match)


def lexicon_findings(message: Message, rule: Rule) -> list[Finding]:
    findings = []
    text = message.text
    for entry in rule.entries:
        for match in entry.pattern.finditer(text, message.body_start):
            if match.end() == match.start():
                continue
            if suppressed(text, match.start(), match.end(), rule.unless + entry.unless):
                continue
            template = entry.suggestion or rule.fallback_suggestion or ""
            findings.append(
                Finding(
                    rule.check, match.start(), match.end(), fill(template, message, match.group(0)), entry.confidence
                )
            )
    return findings


def open_template(message: Message) -> list[Finding]:
    spans = placeholder_spans(message.text)
    if not spans:
        return []
    fixed = message.text[message.body_start :]
    for start, end in reversed(spans):
        fixed = fixed[: max(0, start - message.body_start)] + fixed[end - message.body_start :]
    if len(FIXED_LETTERS.findall(fixed)) >= OPEN_TEMPLATE_FIXED_CHARS:
        return []
    start, end = spans[0][0], spans[-1][1]
    return [
        Finding(
            "CHECK-1",
            start,
            end,
            suggestion=f"Your order {message.next_variable()} is confirmed.",
            confidence=0.9,
            title="Open template: its variables can carry any text (operators block such templates as prone to fraud)",
        )
    ]


def has_opt_out(message: Message, rule: Rule) -> bool:
    return any(re.search(p, message.text, FLAGS) for p in rule.extra["opt_out"])


def promotional_findings(message: Message, rule: Rule) -> list[Finding]:
    """Promotional signals, judged by the category: a promotional or unspecified template
    needs opt-out language; a transactional, service or authentication one must not carry
    promotions at all (DLT would send it outside the promotional rules)."""
    signals = lexicon_findings(message, rule)
    if not signals:
        return []
    promotional = message.kind in (CategoryKind.PROMOTIONAL, CategoryKind.UNSPECIFIED)
    if promotional and has_opt_out(message, rule):
        return []
    strongest = max(signals, key=lambda f: (f.confidence, -f.start))
    sentence = next((s for s in message.sentences() if s.start <= strongest.start < s.end), None)
    start, end = (sentence.start, sentence.end) if sentence else (strongest.start, strongest.end)
    if promotional:
        opt_out = rule.extra["suggestion_opt_out"][message.channel]
        if DEVANAGARI.search(message.text) and message.channel in ("SMS", "WHATSAPP"):
            opt_out = rule.extra["suggestion_opt_out_hi"]
        end = message.sentences()[-1].end
        return [Finding("CHECK-2", start, end, message.text[start:end] + opt_out, strongest.confidence)]
    title = rule.extra["wrong_category_title"].replace("{category}", message.category or "")
    rewrite = message.text[start:end]
    return [
        Finding("CHECK-2", start, end, _strip_promotion(rewrite, signals, start), strongest.confidence, title=title)
    ]


def _strip_promotion(sentence: str, signals: list[Finding], offset: int) -> str:
    """The sentence without its promotional clause: what a transactional template keeps."""
    first = min(s.start for s in signals) - offset
    head = sentence[: max(0, first)].rstrip(" ,.!-:")
    return (head + ".") if len(head) > 12 else "Thank you for choosing us."


def rule_findings(message: Message) -> list[Finding]:
    table = rules()
    findings = [f for check in LEXICON_RULES for f in lexicon_findings(message, table[check])]
    findings += open_template(message)
    findings += promotional_findings(message, table["CHECK-2"])
    findings += phones.find(message) + duplicates.find(message) + urls.find(message)
    return findings
