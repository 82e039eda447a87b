"""The statistical side of the check: TF-IDF over character n-grams (2-5, word-bounded:
robust to Hinglish spellings and Devanagari) and word uni/bigrams, and one logistic
regression per content rule, trained on the labelled set's train split.

`train` fits it with scikit-learn (about half a second, single-threaded liblinear, no
randomness), so the same data always gives the same weights. The service does not train:
`python -m cpaas.ai.domain.compliance.export` writes the trained model to
data/classifier.npz and `shipped()` scores with that artifact in numpy alone
(exported.py), so scikit-learn and scipy stay out of the running service. data/model.json
holds the per-rule decision thresholds chosen by cross-validation on the train split
(`python -m cpaas.ai.tune`) with the fingerprint of the split it was tuned on.
"""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from cpaas.ai.domain.compliance import exported
from cpaas.ai.domain.compliance.dataset import Example
from cpaas.ai.domain.compliance.lexicon import data_text
from cpaas.ai.domain.compliance.text import for_model, parse

# the content rules the model scores; CHECK-4, 5 and 6 are structural and exact in code
MODEL_RULES = ("CHECK-1", "CHECK-2", "CHECK-3", "CHECK-7", "CHECK-8", "CHECK-9")
DEFAULT_C = 4.0  # inverse regularisation of each logistic regression
MODEL_FILE = "model.json"
WORD_PATTERN = r"(?u)\b\w+\b"  # one-letter words count too (the default needs two)
CHAR_NGRAMS = (2, 5)
CHAR_MIN_DF = 2  # a character n-gram seen in one message only is noise
WORD_NGRAMS = (1, 2)

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression


class Scorer(Protocol):
    """What the check needs of a model: the trained `Classifier` or the `ExportedClassifier`."""

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]: ...


@dataclass(frozen=True)
class ModelConfig:
    c: float
    thresholds: dict[str, float]  # model probability at which a rule fires without a lexicon match
    train_fingerprint: str | None = None


class Classifier:
    """The model as scikit-learn trains it (tuning, export, tests); the service runs its export."""

    def __init__(self, chars: "TfidfVectorizer", words: "TfidfVectorizer", models: "dict[str, LogisticRegression]"):
        self.chars, self.words, self.models = chars, words, models

    def _features(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

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
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [model_text(e) for e in rows]
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=CHAR_MIN_DF, sublinear_tf=True, dtype=np.float64
    )
    words = TfidfVectorizer(
        analyzer="word", ngram_range=WORD_NGRAMS, min_df=1, sublinear_tf=True, token_pattern=WORD_PATTERN
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
def shipped() -> tuple[exported.ExportedClassifier, ModelConfig]:
    """The model the service uses: the export of the one trained on the train split with the
    tuned settings (test_exported_model.py holds the artifact to that training)."""
    return exported.load(), load_config()
