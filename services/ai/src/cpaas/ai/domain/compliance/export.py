"""`python -m cpaas.ai.domain.compliance.export`: train the compliance model on the labelled
set's train split with the tuned C of data/model.json (scikit-learn, a development-time
step) and write what inference needs to data/classifier.npz: both vocabularies with their
idf, per rule the coefficients and intercept, the vectorizer settings, and the fingerprint
of the train split. Run it after changing data/labelled.jsonl or after `python -m
cpaas.ai.tune`; `--check` only verifies that the committed artifact holds what export gives
now (exit 1 if not).

The file is an ordinary .npz (numpy arrays, no pickle) written with fixed zip timestamps,
so the same training gives the same bytes (with the same zlib).
"""

import argparse
import io
import json
import sys
import zipfile
from importlib import resources
from importlib.resources.abc import Traversable

import numpy as np

from cpaas.ai.domain.compliance import exported
from cpaas.ai.domain.compliance.classifier import MODEL_RULES, Classifier, load_config, train
from cpaas.ai.domain.compliance.dataset import fingerprint, split

COMMAND = "uv run --no-sync python -m cpaas.ai.domain.compliance.export"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _vectorizer_meta(vectorizer: object) -> dict:
    p = vectorizer.get_params()  # type: ignore[attr-defined]
    return {
        "analyzer": p["analyzer"],
        "ngramRange": list(p["ngram_range"]),
        "minDf": p["min_df"],
        "tokenPattern": p["token_pattern"],
        "lowercase": p["lowercase"],
        "sublinearTf": p["sublinear_tf"],
        "norm": p["norm"],
        "useIdf": p["use_idf"],
        "smoothIdf": p["smooth_idf"],
    }


def _unsupported(vectorizer: object) -> list[str]:
    """Settings the numpy inference does not reproduce: refuse rather than export wrongly."""
    p = vectorizer.get_params()  # type: ignore[attr-defined]
    plain = {"strip_accents": None, "preprocessor": None, "tokenizer": None, "stop_words": None, "input": "content"}
    return [k for k, v in plain.items() if p[k] != v] + ([] if p["binary"] is False else ["binary"])


def _terms(vocabulary: dict[str, int]) -> np.ndarray:
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    if any("\n" in t for t in names):
        raise ValueError("a term holds a newline; the artifact separates terms by newlines")
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8)


def arrays(classifier: Classifier, train_fingerprint: str, c: float) -> dict[str, np.ndarray]:
    import sklearn

    wrong = _unsupported(classifier.chars) + _unsupported(classifier.words)
    if wrong:
        raise ValueError(f"the numpy inference does not reproduce {wrong}")
    meta = {
        "format": exported.FORMAT,
        "rules": list(MODEL_RULES),
        "c": c,
        "trainFingerprint": train_fingerprint,
        "chars": _vectorizer_meta(classifier.chars),
        "words": _vectorizer_meta(classifier.words),
        "sklearn": sklearn.__version__,
    }
    models = [classifier.models[rule] for rule in MODEL_RULES]
    return {
        "meta": np.frombuffer(json.dumps(meta, indent=1).encode("utf-8"), dtype=np.uint8),
        "char_terms": _terms(classifier.chars.vocabulary_),
        "char_idf": np.asarray(classifier.chars.idf_, dtype=np.float64),
        "word_terms": _terms(classifier.words.vocabulary_),
        "word_idf": np.asarray(classifier.words.idf_, dtype=np.float64),
        "coef": np.vstack([m.coef_.ravel() for m in models]).astype(np.float64),
        "intercept": np.array([m.intercept_[0] for m in models], dtype=np.float64),
    }


def current() -> dict[str, np.ndarray]:
    """The artifact that the current train split and model.json give."""
    rows, c = split("train"), load_config().c
    return arrays(train(rows, c), fingerprint(rows), c)


def to_bytes(content: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, array in content.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def stale_members(path: Traversable, content: dict[str, np.ndarray]) -> list[str]:
    """The members of the committed artifact that differ from `content` (arrays compared, not
    compressed bytes: another zlib may deflate the same arrays differently). The trained
    weights are floats that another CPU's vector kernels round differently (1e-12 between
    an AVX2 and an AVX-512 machine), so they are equal within FLOAT_TOLERANCE; every other
    member exactly."""
    if not path.is_file():
        return sorted(content)
    with path.open("rb") as f, np.load(f, allow_pickle=False) as z:
        committed = {name: z[name] for name in z.files}
    names = sorted(set(content) | set(committed))
    return [n for n in names if n not in content or n not in committed or not _same(content[n], committed[n])]


FLOAT_TOLERANCE = 1e-9  # what test_exported_model holds the probabilities to


def _same(ours: np.ndarray, theirs: np.ndarray) -> bool:
    if ours.dtype.kind == "f" and theirs.dtype == ours.dtype and theirs.shape == ours.shape:
        return bool(np.allclose(ours, theirs, rtol=FLOAT_TOLERANCE, atol=FLOAT_TOLERANCE))
    return np.array_equal(ours, theirs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m cpaas.ai.domain.compliance.export", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help=f"only verify the committed {exported.ARTIFACT_FILE}")
    args = parser.parse_args(argv)
    content = current()
    path = resources.files("cpaas.ai.domain.compliance").joinpath("data", exported.ARTIFACT_FILE)
    if args.check:
        stale = stale_members(path, content)
        print(f"{exported.ARTIFACT_FILE} is stale ({', '.join(stale)}): run {COMMAND}" if stale else "up to date")
        sys.exit(1 if stale else 0)
    data = to_bytes(content)
    path.write_bytes(data)  # type: ignore[union-attr]
    print(f"wrote {path} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
