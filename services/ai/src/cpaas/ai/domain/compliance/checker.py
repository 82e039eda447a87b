"""The compliance check: rules and lexicons plus the statistical model, combined into one
verdict (risk score, level, one warning per triggered rule with its span and rewrite).

How the two sides combine, per content rule (CHECK-1, 2, 3, 7, 8, 9):
- a lexicon match of confidence >= STRONG_CONFIDENCE fires by itself;
- a weaker lexicon match fires when the model's probability for the rule is at least
  WEAK_SUPPORT (the phrase is ambiguous; the model reads the whole message);
- with no lexicon match the model fires alone at its tuned threshold (data/model.json):
  that catches paraphrases the lexicons miss; its span is the sentence the model scores
  highest and its suggestion the rule's generic rewrite;
- CHECK-2 never fires on a promotional template that carries opt-out language.
The structural rules (CHECK-4 phone numbers, CHECK-5 duplicates, CHECK-6 shorteners, the
open-template part of CHECK-1) are exact and fire by themselves.

The same input always gives the same verdict: the model is a fixed export (data/classifier.npz) and
the rules are pure functions of the text.
"""

from dataclasses import dataclass

from cpaas.ai.domain.compliance.classifier import MODEL_RULES, ModelConfig, Scorer, shipped
from cpaas.ai.domain.compliance.findings import Finding
from cpaas.ai.domain.compliance.lexicon import rules
from cpaas.ai.domain.compliance.rules import fill, has_opt_out, rule_findings
from cpaas.ai.domain.compliance.scoring import RiskLevel, risk_level, risk_score
from cpaas.ai.domain.compliance.text import CHANNELS, CategoryKind, Message, for_model, parse

STRONG_CONFIDENCE = 0.8
WEAK_SUPPORT = 0.3


@dataclass(frozen=True)
class Warning:
    check: str
    title: str
    start: int
    end: int
    text: str
    suggestion: str
    confidence: float
    source: str  # "rule" (a lexicon entry or a structural check) or "model"


@dataclass(frozen=True)
class Verdict:
    risk_score: int
    risk_level: RiskLevel
    warnings: tuple[Warning, ...]

    @property
    def checks(self) -> set[str]:
        return {w.check for w in self.warnings}


def _model_finding(message: Message, check: str, classifier: Scorer, probability: float) -> Finding:
    sentences = message.sentences()
    if not sentences:
        return Finding(check, 0, len(message.text), "", probability, source="model")
    prefix = for_model(parse("", message.channel, message.category))
    scores = classifier.probabilities([prefix + s.text.lower() for s in sentences])[check]
    best = sentences[int(scores.argmax())]
    rule = rules()[check]
    if check == "CHECK-2":
        suggestion = best.text + rule.extra["suggestion_opt_out"][message.channel]
    else:
        suggestion = fill(rule.fallback_suggestion or "", message)
    return Finding(check, best.start, best.end, suggestion, probability, source="model")


def _combine(message: Message, found: list[Finding], classifier: Scorer, config: ModelConfig) -> list[Finding]:
    probabilities = {rule: float(p[0]) for rule, p in classifier.probabilities([for_model(message)]).items()}
    chosen = []
    for check in sorted({f.check for f in found} | set(MODEL_RULES), key=lambda c: int(c[6:])):
        mine = [f for f in found if f.check == check]
        p = probabilities.get(check)
        if p is None or any(f.title and f.check == "CHECK-1" for f in mine):  # structural: exact
            if mine:
                chosen.append(max(mine, key=lambda f: (f.confidence, -f.start)))
            continue
        strongest = max(mine, key=lambda f: (f.confidence, -f.start), default=None)
        if strongest and (strongest.confidence >= STRONG_CONFIDENCE or p >= WEAK_SUPPORT):
            chosen.append(_with_confidence(strongest, max(strongest.confidence, p)))
        elif strongest is None and p >= config.thresholds[check] and not _opted_out(message, check):
            chosen.append(_model_finding(message, check, classifier, p))
    return chosen


def _opted_out(message: Message, check: str) -> bool:
    promotional = message.kind in (CategoryKind.PROMOTIONAL, CategoryKind.UNSPECIFIED)
    return check == "CHECK-2" and promotional and has_opt_out(message, rules()["CHECK-2"])


def _with_confidence(finding: Finding, confidence: float) -> Finding:
    return Finding(
        finding.check, finding.start, finding.end, finding.suggestion, confidence, finding.source, finding.title
    )


def check(
    text: str, channel: str, category: str | None = None, *, model: tuple[Scorer, ModelConfig] | None = None
) -> Verdict:
    """Check a template or message text. `channel` is SMS, WHATSAPP, RCS or VOICE; `category`
    the template's (UIC, MIC, SIC, Auth for SMS; MARKETING, UTILITY, AUTHENTICATION for
    WhatsApp; none for RCS and voice). `model` replaces the shipped model (cross-validation)."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    message = parse(text, channel, category)
    classifier, config = model or shipped()
    findings = _combine(message, rule_findings(message), classifier, config)
    table = rules()
    warnings = tuple(
        Warning(
            check=f.check,
            title=f.title or table[f.check].title,
            start=f.start,
            end=f.end,
            text=f.span_text(text),
            suggestion=f.suggestion,
            confidence=round(f.confidence, 3),
            source=f.source,
        )
        for f in findings
    )
    score = risk_score({w.check: w.confidence for w in warnings})
    return Verdict(risk_score=score, risk_level=risk_level(score), warnings=warnings)
