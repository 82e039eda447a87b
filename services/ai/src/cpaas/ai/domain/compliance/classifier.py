"""The statistical side of the check: TF-IDF over character n-grams (2-5, word-bounded:
robust to Hinglish spellings and Devanagari) and word uni/bigrams, and one logistic
regression per content rule, trained on the labelled set's train split.

It is trained when first used (about half a second, single-threaded liblinear, no
randomness), so the same data always gives the same weights; data/model.json holds the
per-rule decision thresholds chosen by cross-validation on the train split
(`python -m cpaas.ai.tune`) with the fingerprint of the split it was tuned on.
"""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from cpaas.ai.domain.compliance.dataset import Example, split
from cpaas.ai.domain.compliance.lexicon import data_text
from cpaas.ai.domain.compliance.text import for_model, parse

# the content rules the model scores; CHECK-4, 5 and 6 are structural and exact in code
MODEL_RULES = ("CHECK-1", "CHECK-2", "CHECK-3", "CHECK-7", "CHECK-8", "CHECK-9")
DEFAULT_C = 4.0  # inverse regularisation of each logistic regression
MODEL_FILE = "model.json"
WORD_PATTERN = r"(?u)\b\w+\b"  # one-letter words count too (the default needs two)


@dataclass(frozen=True)
class ModelConfig:
    c: float
    thresholds: dict[str, float]  # model probability at which a rule fires without a lexicon match
    train_fingerprint: str | None = None


class Classifier:
    def __init__(self, chars: TfidfVectorizer, words: TfidfVectorizer, models: dict[str, LogisticRegression]):
        self.chars, self.words, self.models = chars, words, models

    def _features(self, texts: Sequence[str]):
        return hstack([self.chars.transform(texts), self.words.transform(texts)]).tocsr()

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Per rule, the probability that each text breaks it."""
        features = self._features(texts)
        return {rule: model.predict_proba(features)[:, 1] for rule, model in self.models.items()}

    def weights(self) -> dict[str, np.ndarray]:
        return {rule: np.concatenate([m.coef_.ravel(), m.intercept_]) for rule, m in self.models.items()}


def model_text(example: Example) -> str:
    return for_model(parse(example.text, example.channel, example.category))


def train(rows: Sequence[Example], c: float = DEFAULT_C) -> Classifier:
    texts = [model_text(e) for e in rows]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, dtype=np.float64)
    words = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True, token_pattern=WORD_PATTERN
    )
    features = hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()
    models = {}
    for rule in MODEL_RULES:
        target = np.array([rule in e.labels for e in rows], dtype=int)
        model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000)
        models[rule] = model.fit(features, target)
    return Classifier(chars, words, models)


def load_config() -> ModelConfig:
    raw = json.loads(data_text(MODEL_FILE))
    return ModelConfig(
        c=float(raw["c"]), thresholds=dict(raw["thresholds"]), train_fingerprint=raw.get("trainFingerprint")
    )


@functools.cache
def shipped() -> tuple[Classifier, ModelConfig]:
    """The model the service uses: trained on the train split with the tuned settings."""
    config = load_config()
    return train(split("train"), config.c), config
