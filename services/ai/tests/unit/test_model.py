"""The statistical model: trained deterministically from the shipped labelled set, its
tuned settings (model.json) exactly what tuning on the current train split gives, and a
held-out split that training never sees."""

import json
import time
from collections import Counter
from importlib import resources

import numpy as np

from cpaas.ai.domain.compliance import check
from cpaas.ai.domain.compliance.classifier import MODEL_RULES, load_config, model_text, shipped, train
from cpaas.ai.domain.compliance.dataset import examples, fingerprint, split
from cpaas.ai.domain.compliance.lexicon import RULES
from cpaas.ai.domain.compliance.rules import rule_findings
from cpaas.ai.domain.compliance.text import parse
from cpaas.ai.tune import tune

# The held-out split was drawn once (30 % of the first 516 messages, stratified per label)
# and is frozen: new labelled data goes to the train split only, and no message moves
# between splits or changes its labels, so the figures of bench/compliance.py stay
# comparable and honest. Changing the split breaks this fingerprint on purpose.
HELD_OUT_FINGERPRINT = "1d01e92b79ba5bc16906c335b182aa8af53d5c49e29f757e552727392b4cba9c"


def test_the_labelled_set_has_at_least_300_messages_and_a_frozen_held_out_split():
    rows = examples()
    assert len(rows) >= 300
    assert len({r.id for r in rows}) == len(rows) and len({r.text for r in rows}) == len(rows)
    test = split("test")
    assert fingerprint(test) == HELD_OUT_FINGERPRINT
    assert len(test) >= 150
    held = Counter(label for r in test for label in r.labels)
    for rule in RULES:
        assert held[rule] >= 10, rule
    assert {r.channel for r in rows} == {"SMS", "WHATSAPP", "RCS", "VOICE"}
    assert {r.channel for r in test} == {"SMS", "WHATSAPP", "RCS", "VOICE"}


def test_training_twice_gives_identical_weights_in_under_a_few_seconds():
    rows = split("train")
    started = time.perf_counter()
    first = train(rows, load_config().c).weights()
    elapsed = time.perf_counter() - started
    second = train(rows, load_config().c).weights()
    assert all(np.array_equal(first[r], second[r]) for r in MODEL_RULES)
    assert elapsed < 5  # about 0.5 s alone; generous for a shared CI machine


def test_the_shipped_model_is_trained_on_the_train_split_only():
    config = load_config()
    assert config.train_fingerprint == fingerprint(split("train"))
    classifier, _ = shipped()
    test_texts = {model_text(r) for r in split("test")}
    train_texts = {model_text(r) for r in split("train")}
    assert test_texts.isdisjoint(train_texts)
    assert classifier.rules == MODEL_RULES
    assert classifier.train_fingerprint == fingerprint(split("train"))


def test_model_json_is_what_tuning_on_the_train_split_gives():
    raw = json.loads(resources.files("cpaas.ai.domain.compliance").joinpath("data", "model.json").read_text())
    assert tune(split("train")) == raw


def test_the_model_catches_a_credential_request_the_lexicons_do_not_list():
    text = "Tell the caller the six digit number that you receive on your phone."
    message = parse(text, "SMS", "UIC")
    assert not any(f.check == "CHECK-9" for f in rule_findings(message))
    warning = next(w for w in check(text, "SMS", "UIC").warnings if w.check == "CHECK-9")
    assert warning.source == "model" and warning.text == text and "Never share" in warning.suggestion
