"""The fraud probability model: the committed coefficients are what training on the simulator
gives, and on the held-out simulated set (other accounts, days and draws; never seen by
training) it separates attacks from normal traffic and is calibrated."""

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from cpaas.ai.domain.anomaly import fraud
from cpaas.ai.domain.anomaly.detectors import detect
from cpaas.ai.domain.anomaly.simulator import plan_attack, profiles, sim_window

HELD_OUT = 200  # a part of the 600 the README's figures use, to keep this test short


def test_held_out_attacks_are_separated_and_probabilities_calibrated():
    model = fraud.shipped()
    x, y = fraud.dataset(HELD_OUT, fraud.TEST_SEED)
    result = fraud.evaluate(model, x, y)
    assert result["auc"] >= 0.95
    assert result["brier"] <= 0.08
    p = model.probabilities(x)
    assert abs(p.mean() - y.mean()) < 0.1  # on average as often right as it says


def test_an_attack_scores_high_with_its_reasons_and_clean_traffic_low():
    rng = random.Random(5)
    p = profiles(3, 77)[1]
    now = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
    clean = sim_window(p, now, rng, None)
    attack = plan_attack("OTP_FLOOD_NUMBER", p, now.replace(minute=0) - timedelta(minutes=5), rng, 3)
    flooded = sim_window(p, now, rng, attack)
    model = fraud.shipped()
    x_clean, x_flood = fraud.features(clean, detect(clean)), fraud.features(flooded, detect(flooded))
    assert model.probability(x_clean) < 0.3 < 0.7 < model.probability(x_flood)
    reasons = model.reasons(x_flood)
    assert reasons and reasons[0]["feature"] in ("severity_otp_flood", "otp_per_number")
    assert np.all(np.isfinite(x_flood))


def test_the_committed_model_has_these_features():
    assert fraud.shipped().to_json()["features"] == list(fraud.FEATURES)
