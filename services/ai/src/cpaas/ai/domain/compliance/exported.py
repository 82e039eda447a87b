"""The compliance model as the service runs it: the exported artifact (data/classifier.npz,
written by `python -m cpaas.ai.domain.compliance.export`) scored with numpy and plain Python,
so the service never imports scikit-learn or scipy (about 70 MB of RSS at rest).

It reproduces what the trained scikit-learn pipeline computes, step for step and in the same
order: lowercase; the `char_wb` analyzer (whitespace runs collapsed, each word padded with one
space, n-grams inside it, a short word counted once) and the word analyzer (token pattern,
then uni- to n-grams joined by a space); counts of known terms only; sublinear tf 1 + log(tf);
times idf; l2 norm per vectorizer; the two side by side; then per rule the sigmoid of the
dot product plus the intercept. Sums run sequentially in feature order as scipy's do, so the
probabilities match the trained model's to the last bit or nearly (test_exported_model.py
holds them within 1e-9 on every labelled message).
"""

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, BinaryIO

import numpy as np

ARTIFACT_FILE = "classifier.npz"
FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's _VectorizerMixin._white_spaces


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's `_char_wb_ngrams` on an already lowercased text."""
    ngrams = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        w = " " + word + " "
        for n in range(low, high + 1):
            offset = 0
            ngrams.append(w[offset : offset + n])
            while offset + n < len(w):
                offset += 1
                ngrams.append(w[offset : offset + n])
            if offset == 0:  # a word shorter than n is counted once
                break
    return ngrams


def word_ngrams(text: str, pattern: re.Pattern[str], low: int, high: int) -> list[str]:
    """scikit-learn's tokenizer (`token_pattern.findall`) then `_word_ngrams`, no stop words."""
    tokens = pattern.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


@dataclass(frozen=True)
class Vocabulary:
    """One fitted TF-IDF vectorizer: term -> column, idf per column, and its analyzer."""

    terms: dict[str, int]
    idf: np.ndarray
    analyzer: str
    ngram_range: tuple[int, int]
    token_pattern: re.Pattern[str] | None

    def grams(self, text: str) -> list[str]:
        low, high = self.ngram_range
        if self.analyzer == "char_wb":
            return char_wb_ngrams(text, low, high)
        assert self.token_pattern is not None
        return word_ngrams(text, self.token_pattern, low, high)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted column indices and l2-normalised sublinear tf-idf values of one lowercased text."""
        counts = Counter(self.terms[g] for g in self.grams(text) if g in self.terms)
        columns = np.array(sorted(counts), dtype=np.intp)
        values = np.log(np.array([counts[c] for c in columns], dtype=np.float64)) + 1.0
        values *= self.idf[columns]
        squares = np.cumsum(values * values)  # sequential, as scikit-learn's row normaliser
        if len(squares) and squares[-1] != 0.0:
            values /= math.sqrt(squares[-1])
        return columns, values


class ExportedClassifier:
    """Per content rule, the probability that each text breaks it (the interface of the trained
    `classifier.Classifier`)."""

    def __init__(
        self, meta: dict[str, Any], chars: Vocabulary, words: Vocabulary, coef: np.ndarray, intercept: np.ndarray
    ):
        self.meta, self.chars, self.words = meta, chars, words
        self.rules: tuple[str, ...] = tuple(meta["rules"])
        self._coef = np.ascontiguousarray(coef.T)  # (features, rules): one row gathered per column
        self._intercept = intercept

    @property
    def train_fingerprint(self) -> str:
        return self.meta["trainFingerprint"]

    def _decision(self, text: str) -> np.ndarray:
        text = text.lower()
        char_columns, char_values = self.chars.features(text)
        word_columns, word_values = self.words.features(text)
        columns = np.concatenate([char_columns, word_columns + len(self.chars.terms)])
        values = np.concatenate([char_values, word_values])
        if not len(columns):
            return self._intercept.copy()
        # scipy's csr product adds each column's term in order, starting from zero
        return np.cumsum(values[:, None] * self._coef[columns], axis=0)[-1] + self._intercept

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        decisions = [self._decision(t) for t in texts]
        p = np.array([[_expit(float(d)) for d in row] for row in decisions], dtype=np.float64)
        p = p.reshape(len(texts), len(self.rules))
        return {rule: p[:, i] for i, rule in enumerate(self.rules)}


def _expit(x: float) -> float:
    """scipy.special.expit for one double: 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + math.exp(-x)) if x > -700.0 else 0.0


def _vocabulary(meta: dict[str, Any], terms: np.ndarray, idf: np.ndarray) -> Vocabulary:
    expected = {"lowercase": True, "sublinearTf": True, "norm": "l2", "useIdf": True}
    wrong = {k: meta.get(k) for k, v in expected.items() if meta.get(k) != v}
    if wrong or meta["analyzer"] not in ("char_wb", "word"):
        raise ValueError(f"{ARTIFACT_FILE}: unsupported vectorizer settings {wrong or meta['analyzer']}")
    names = terms.tobytes().decode("utf-8").split("\n")
    if len(names) != len(idf):
        raise ValueError(f"{ARTIFACT_FILE}: {len(names)} terms for {len(idf)} idf values")
    pattern = re.compile(meta["tokenPattern"]) if meta["analyzer"] == "word" else None
    ngram_range = (int(meta["ngramRange"][0]), int(meta["ngramRange"][1]))
    return Vocabulary({t: i for i, t in enumerate(names)}, idf, meta["analyzer"], ngram_range, pattern)


def read(source: BinaryIO) -> ExportedClassifier:
    with np.load(source, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{ARTIFACT_FILE}: format {meta.get('format')}, this code reads {FORMAT}")
    chars = _vocabulary(meta["chars"], arrays["char_terms"], arrays["char_idf"])
    words = _vocabulary(meta["words"], arrays["word_terms"], arrays["word_idf"])
    return ExportedClassifier(meta, chars, words, arrays["coef"], arrays["intercept"])


def load() -> ExportedClassifier:
    """The committed artifact."""
    with resources.files("cpaas.ai.domain.compliance").joinpath("data", ARTIFACT_FILE).open("rb") as f:
        return read(f)
