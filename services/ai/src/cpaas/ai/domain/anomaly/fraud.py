"""Fraud probability per account: a calibrated logistic regression over the detectors'
features, trained on the simulator's windows (normal diurnal traffic and every attack type at
varied strengths) by `python -m cpaas.ai.domain.anomaly.fraud` (seeded, deterministic), which
writes `data/fraud_model.json`; `shipped()` loads it. The held-out set (`TEST_SEED`: other
accounts, other days, other draws) is never seen by training; `evaluate` measures it.

Reasons: the features whose weighted, standardised values push the probability up most.
"""

import json
import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from cpaas.ai.domain.anomaly.detectors import Finding, baseline
from cpaas.ai.domain.anomaly.windows import AccountWindow

ALERT_TYPES = (
    "OTP_FLOOD",
    "VELOCITY_SPIKE",
    "FAILURE_SPIKE",
    "NEW_DESTINATION",
    "NUMBER_RANGE_CONCENTRATION",
    "PREMIUM_RATE",
    "SPAM_FAILURE_RATE",
    "SPAM_SAME_CONTENT",
    "SPAM_BLACKLIST_HITS",
    "SPAM_NEW_SENDER",
)
RAW_FEATURES = ("rate_vs_baseline", "failure_rate", "top_range_share", "otp_per_number", "new_country_share")
FEATURES = tuple(f"severity_{t.lower()}" for t in ALERT_TYPES) + RAW_FEATURES
REASON_TEXT = {
    **{f"severity_{t.lower()}": t.replace("_", " ").lower() for t in ALERT_TYPES},
    "rate_vs_baseline": "rate above its usual for this hour",
    "failure_rate": "failure rate",
    "top_range_share": "traffic concentrated on one number range",
    "otp_per_number": "OTPs repeated to one number",
    "new_country_share": "traffic to countries never sent to before",
}
TRAIN_SEED, TEST_SEED = 2401, 9907
TRAIN_SAMPLES, TEST_SAMPLES = 1200, 600


def features(w: AccountWindow, findings: list[Finding]) -> list[float]:
    top = dict.fromkeys(ALERT_TYPES, 0.0)
    for f in findings:
        if f.alert_type in top:
            top[f.alert_type] = max(top[f.alert_type], f.severity / 100)
    base = baseline(w.history.hourly, w.history.weekly)
    total = sum(w.prefixes.values())
    new_country = sum(n for c, n in w.countries.items() if c not in w.history.countries) if w.history.countries else 0
    return [
        *top.values(),
        math.log1p(w.rate.submitted / ((base or 0.0) + 1.0)),
        w.short.failure_rate,
        max(w.prefixes.values()) / total if total >= 10 else 0.0,
        math.log1p(max(w.otp_numbers.values(), default=0)),
        new_country / total if total else 0.0,
    ]


@dataclass(frozen=True)
class FraudModel:
    """A logistic regression over standardised features, then Platt scaling fitted on a part
    of the training set the regression did not see."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float
    platt_a: float
    platt_b: float

    def _z(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.mean) / self.scale

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        score = self._z(x) @ self.weights + self.intercept
        return 1.0 / (1.0 + np.exp(-(self.platt_a * score + self.platt_b)))

    def probability(self, x: list[float]) -> float:
        return float(self.probabilities(np.array([x]))[0])

    def reasons(self, x: list[float], top: int = 3) -> list[dict]:
        contributions = self.weights * self._z(np.array(x))
        order = np.argsort(-contributions)
        return [
            {
                "feature": FEATURES[i],
                "reason": REASON_TEXT[FEATURES[i]],
                "value": round(float(x[i]), 3),
                "weight": round(float(contributions[i]), 3),
            }
            for i in order[:top]
            if contributions[i] > 0
        ]

    def to_json(self) -> dict:
        return {
            "features": list(FEATURES),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(6).tolist(),
            "intercept": round(self.intercept, 6),
            "plattA": round(self.platt_a, 6),
            "plattB": round(self.platt_b, 6),
        }

    @classmethod
    def from_json(cls, raw: dict) -> "FraudModel":
        if raw["features"] != list(FEATURES):
            raise ValueError(
                "fraud_model.json was trained on other features; run python -m cpaas.ai.domain.anomaly.fraud"
            )
        return cls(
            np.array(raw["mean"]),
            np.array(raw["scale"]),
            np.array(raw["weights"]),
            raw["intercept"],
            raw["plattA"],
            raw["plattB"],
        )


def dataset(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from cpaas.ai.domain.anomaly.detectors import detect
    from cpaas.ai.domain.anomaly.simulator import training_samples

    xs, ys = [], []
    for sample in training_samples(count, seed):
        xs.append(features(sample.window, detect(sample.window)))
        ys.append(int(sample.attack is not None))
    return np.array(xs), np.array(ys)


def train(x: np.ndarray, y: np.ndarray) -> FraudModel:
    """Regression on the first 70 % of the training set, Platt scaling on the other 30 %."""
    from sklearn.linear_model import LogisticRegression  # training only: the service never imports sklearn

    cut = int(len(x) * 0.7)
    mean, scale = x[:cut].mean(axis=0), x[:cut].std(axis=0) + 1e-6
    base = LogisticRegression(C=1.0, max_iter=2000).fit((x[:cut] - mean) / scale, y[:cut])
    score = ((x[cut:] - mean) / scale) @ base.coef_[0] + base.intercept_[0]
    platt = LogisticRegression(C=1e6, max_iter=2000).fit(score.reshape(-1, 1), y[cut:])
    return FraudModel(
        mean, scale, base.coef_[0], float(base.intercept_[0]), float(platt.coef_[0, 0]), float(platt.intercept_[0])
    )


MODEL_FILE = Path(__file__).parent / "data" / "fraud_model.json"


@lru_cache(maxsize=1)
def shipped() -> FraudModel:
    """The committed model (`data/fraud_model.json`, written by `python -m cpaas.ai.domain.anomaly.fraud`)."""
    return FraudModel.from_json(json.loads(MODEL_FILE.read_text()))


def evaluate(model: FraudModel, x: np.ndarray, y: np.ndarray) -> dict:
    """AUC, Brier score and the calibration table (predicted vs observed per tenth)."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    p = model.probabilities(x)
    bins = []
    for lo in np.arange(0, 1, 0.2):
        mask = (p >= lo) & (p < lo + 0.2 if lo < 0.8 else p <= 1)
        if mask.any():
            bins.append(
                (round(float(lo), 1), int(mask.sum()), round(float(p[mask].mean()), 3), round(float(y[mask].mean()), 3))
            )
    return {"auc": float(roc_auc_score(y, p)), "brier": float(brier_score_loss(y, p)), "bins": bins}


def main() -> int:
    x, y = dataset(TRAIN_SAMPLES, TRAIN_SEED)
    model = train(x, y)
    MODEL_FILE.parent.mkdir(exist_ok=True)
    MODEL_FILE.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    print(f"wrote {MODEL_FILE}")
    held_out = evaluate(model, *dataset(TEST_SAMPLES, TEST_SEED))
    print(json.dumps(held_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
