"""`python -m cpaas.ai.tune`: choose the model's settings by cross-validation on the
labelled set's TRAIN split only (the test split stays unseen) and write them to
domain/compliance/data/model.json.

For each regularisation C in C_GRID it collects out-of-fold probabilities (FOLDS folds
by position, no shuffling: deterministic), then per content rule picks the lowest threshold at
which the model ALONE is right at least TARGET_PRECISION of the time out of fold (it adds
warnings to the lexicons', so it must be precise). The model is judged alone on purpose: the lexicons were written while reading the train split, so
on that split they already catch almost everything and a combined score would leave the
model no say; alone it shows how well it catches what a lexicon lacks, which is its job
on new text. The C whose model alone has the best mean out-of-fold F1 at those thresholds wins; cvCombinedF1 reports the combined
decision (lexicon + model, as checker.py combines them) at the chosen settings. `--check` only verifies that
the shipped model.json is what tuning gives now (exit 1 if not).
"""

import argparse
import json
import sys
from importlib import resources

import numpy as np

from cpaas.ai.domain.compliance.checker import STRONG_CONFIDENCE, WEAK_SUPPORT, _opted_out
from cpaas.ai.domain.compliance.classifier import MODEL_FILE, MODEL_RULES, model_text, train
from cpaas.ai.domain.compliance.dataset import Example, fingerprint, split
from cpaas.ai.domain.compliance.rules import rule_findings
from cpaas.ai.domain.compliance.text import parse

FOLDS = 5
C_GRID = (1.0, 4.0, 16.0, 64.0)
THRESHOLD_GRID = tuple(round(t, 2) for t in np.arange(0.40, 0.991, 0.01))
TARGET_PRECISION = 0.9
MIN_FIRED = 3  # a threshold must let the model fire at least this often out of fold to count


def out_of_fold(rows: tuple[Example, ...], c: float) -> dict[str, np.ndarray]:
    probabilities = {rule: np.zeros(len(rows)) for rule in MODEL_RULES}
    folds = np.arange(len(rows)) % FOLDS
    for fold in range(FOLDS):
        fit = [r for r, f in zip(rows, folds, strict=True) if f != fold]
        held = [i for i, f in enumerate(folds) if f == fold]
        predicted = train(fit, c).probabilities([model_text(rows[i]) for i in held])
        for rule in MODEL_RULES:
            probabilities[rule][held] = predicted[rule]
    return probabilities


def lexicon_evidence(rows: tuple[Example, ...]) -> dict[str, list[tuple[float, bool]]]:
    """Per rule and row: the strongest lexicon confidence (0 if none) and whether opted out."""
    evidence: dict[str, list[tuple[float, bool]]] = {rule: [] for rule in MODEL_RULES}
    for row in rows:
        message = parse(row.text, row.channel, row.category)
        found = rule_findings(message)
        for rule in MODEL_RULES:
            strongest = max((f.confidence for f in found if f.check == rule), default=0.0)
            evidence[rule].append((strongest, _opted_out(message, rule)))
    return evidence


def decide(strongest: float, opted_out: bool, p: float, threshold: float) -> bool:
    if strongest > 0:
        return strongest >= STRONG_CONFIDENCE or p >= WEAK_SUPPORT
    return p >= threshold and not opted_out


def _precise_threshold(p: np.ndarray, truth: list[bool]) -> float:
    for th in THRESHOLD_GRID:
        fired = [t for x, t in zip(p, truth, strict=True) if x >= th]
        if len(fired) >= MIN_FIRED and sum(fired) / len(fired) >= TARGET_PRECISION:
            return th
    return THRESHOLD_GRID[-1]


def f1(truth: list[bool], predicted: list[bool]) -> float:
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def tune(rows: tuple[Example, ...]) -> dict:
    evidence = lexicon_evidence(rows)
    best: dict | None = None
    for c in C_GRID:
        probabilities = out_of_fold(rows, c)
        thresholds, alone, combined = {}, [], []
        for rule in MODEL_RULES:
            truth = [rule in r.labels for r in rows]
            p = probabilities[rule]

            def score(th: float, p: np.ndarray = p, truth: list[bool] = truth) -> float:
                return f1(truth, [bool(x >= th) for x in p])

            thresholds[rule] = _precise_threshold(p, truth)
            alone.append(score(thresholds[rule]))
            decided = [decide(s, o, x, thresholds[rule]) for (s, o), x in zip(evidence[rule], p, strict=True)]
            combined.append(f1(truth, decided))
        mean = float(np.mean(alone))
        if best is None or mean > best["cvModelF1"] + 1e-9:
            best = {
                "c": c,
                "thresholds": thresholds,
                "cvModelF1": round(mean, 4),
                "cvCombinedF1": round(float(np.mean(combined)), 4),
            }
    assert best is not None
    return {**best, "trainFingerprint": fingerprint(rows)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cpaas.ai.tune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only verify the shipped model.json")
    args = parser.parse_args(argv)
    result = tune(split("train"))
    path = resources.files("cpaas.ai.domain.compliance").joinpath("data", MODEL_FILE)
    if args.check:
        shipped = json.loads(path.read_text(encoding="utf-8"))
        same = shipped == result
        print("model.json is up to date" if same else f"model.json differs from tuning: {result}")
        sys.exit(0 if same else 1)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")  # type: ignore[union-attr]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
