"""Compliance check figures on the labelled set's held-out TEST split (never used for
training, tuning or writing the lexicons): per-rule precision and recall, the
clean-vs-flagged F1 (a message is flagged when it gets any warning), the same split by
language, and the check's latency.

The model is trained on the train split exactly as the service does at start-up; its
training time is printed too. Latency: every test message checked `--rounds` times after
one warm-up pass, one check per timing, single process.

Run: uv run python bench/compliance.py [--rounds 20] [--show-errors]
"""

import argparse
import re
import statistics
import time

from cpaas.ai.domain.compliance import check
from cpaas.ai.domain.compliance.classifier import load_config, train
from cpaas.ai.domain.compliance.dataset import split
from cpaas.ai.domain.compliance.lexicon import RULES

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
HINGLISH = re.compile(r"\b(?:aap|aapka|aapke|karein|hai|ke liye|kisi|jayega|mein|par|bhejein|sirf|hoga)\b", re.I)


def language(text: str) -> str:
    if DEVANAGARI.search(text):
        return "hindi"
    return "hinglish" if HINGLISH.search(text) else "english"


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def quality(show_errors: bool) -> None:
    rows = split("test")
    per_rule = {r: [0, 0, 0] for r in RULES}  # tp, fp, fn
    by_language: dict[str, list[int]] = {}
    flagged = [0, 0, 0, 0]  # tp, fp, fn, tn for clean-vs-flagged
    for row in rows:
        got = check(row.text, row.channel, row.category).checks
        for rule in RULES:
            if rule in got and rule in row.labels:
                per_rule[rule][0] += 1
            elif rule in got:
                per_rule[rule][1] += 1
            elif rule in row.labels:
                per_rule[rule][2] += 1
        is_bad, is_flagged = bool(row.labels), bool(got)
        cell = 0 if is_bad and is_flagged else 1 if is_flagged else 2 if is_bad else 3
        flagged[cell] += 1
        by_language.setdefault(language(row.text), [0, 0, 0, 0])[cell] += 1
        if show_errors and got != set(row.labels):
            print(f"  {row.id} labels={sorted(row.labels)} got={sorted(got)} | {row.text[:100]!r}")
    print(f"held-out test split: {len(rows)} messages ({sum(bool(r.labels) for r in rows)} violating)")
    print(f"{'rule':<8} {'support':>7} {'precision':>9} {'recall':>7}")
    for rule, (tp, fp, fn) in per_rule.items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        print(f"{rule:<8} {tp + fn:>7} {precision:>9.3f} {recall:>7.3f}")
    tp, fp, fn, tn = flagged
    print(f"clean-vs-flagged: F1 {f1(tp, fp, fn):.3f} (tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    for name, (tp, fp, fn, tn) in sorted(by_language.items()):
        print(f"  {name:<9} {tp + fp + fn + tn:>4} messages, clean-vs-flagged F1 {f1(tp, fp, fn):.3f}")


def latency(rounds: int) -> None:
    rows = split("test")
    for row in rows:
        check(row.text, row.channel, row.category)
    timings = []
    for _ in range(rounds):
        for row in rows:
            started = time.perf_counter()
            check(row.text, row.channel, row.category)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"latency of one check ({len(timings)} checks): p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms")


def training_time() -> None:
    config = load_config()
    started = time.perf_counter()
    train(split("train"), config.c)
    print(f"model training on the train split ({len(split('train'))} messages): {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed passes over the test split")
    parser.add_argument("--show-errors", action="store_true", help="print every test message the check gets wrong")
    args = parser.parse_args()
    training_time()
    quality(args.show_errors)
    latency(args.rounds)


if __name__ == "__main__":
    main()
