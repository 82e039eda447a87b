"""The exported compliance model (data/classifier.npz): numpy inference that gives what the
scikit-learn training gives, from the current train split, without scikit-learn or scipy
in the running service."""

import io
import json
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from cpaas.ai.domain.compliance import check, exported
from cpaas.ai.domain.compliance.classifier import MODEL_RULES, load_config, model_text, shipped, train
from cpaas.ai.domain.compliance.dataset import examples, fingerprint, split
from cpaas.ai.domain.compliance.export import COMMAND, arrays, current, stale_members, to_bytes
from cpaas.ai.domain.compliance.text import for_model, parse

STALE = f"data/classifier.npz is stale: run `{COMMAND}`"


@pytest.fixture(scope="module")
def trained():
    return train(split("train"), load_config().c)


def _sentence_texts() -> list[str]:
    """What the checker scores to place a model-only warning: each sentence with the prefix."""
    texts = []
    for e in examples():
        message = parse(e.text, e.channel, e.category)
        prefix = for_model(parse("", message.channel, message.category))
        texts += [prefix + s.text.lower() for s in message.sentences()]
    return texts


def test_the_artifact_was_exported_from_the_current_train_split_and_c():
    model = exported.load()
    assert model.train_fingerprint == fingerprint(split("train")), STALE
    assert model.meta["c"] == load_config().c, STALE
    assert model.rules == MODEL_RULES, STALE


def test_the_artifact_gives_the_trained_probabilities_on_every_labelled_message(trained):
    texts = [model_text(e) for e in examples()] + _sentence_texts() + ["", " \t\n ", "a", "ÀÉ Ünïcode  x", "१२३ OTP"]
    ours, theirs = exported.load().probabilities(texts), trained.probabilities(texts)
    for rule in MODEL_RULES:
        assert ours[rule].shape == (len(texts),)
        np.testing.assert_allclose(ours[rule], theirs[rule], rtol=0, atol=1e-9, err_msg=f"{rule}: {STALE}")


def test_the_check_answers_the_same_with_the_artifact_as_with_the_trained_model(trained):
    config = load_config()
    for e in examples():
        assert check(e.text, e.channel, e.category) == check(e.text, e.channel, e.category, model=(trained, config))


def test_the_committed_artifact_holds_exactly_what_export_writes_now():
    path = resources.files("cpaas.ai.domain.compliance").joinpath("data", exported.ARTIFACT_FILE)
    content = current()
    assert stale_members(path, content) == [], STALE
    assert exported.read(io.BytesIO(to_bytes(content))).meta == exported.load().meta


def test_an_artifact_from_another_format_or_analyzer_is_refused(trained):
    content = arrays(trained, "x", 1.0)
    meta = json.loads(content["meta"].tobytes())
    for change in ({"format": 99}, {"words": {**meta["words"], "sublinearTf": False}}):
        wrong = {**content, "meta": np.frombuffer(json.dumps({**meta, **change}).encode(), dtype=np.uint8)}
        with pytest.raises(ValueError):
            exported.read(io.BytesIO(to_bytes(wrong)))


def test_shipped_scores_with_the_artifact():
    classifier, config = shipped()
    assert isinstance(classifier, exported.ExportedClassifier)
    assert config == load_config()


def test_the_service_imports_and_checks_without_sklearn_or_scipy():
    code = """
import sys
import cpaas.ai.app
import cpaas.ai.__main__
from cpaas.ai.domain.anomaly import fraud
from cpaas.ai.domain.compliance import check
from cpaas.ai.domain.compliance.classifier import shipped
shipped(); fraud.shipped()
check("Tell the caller the six digit number that you receive on your phone.", "SMS", "UIC")
print(sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy")))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"
