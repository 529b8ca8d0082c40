"""Purpose and behaviour tags from a note's text, with a probability each.

Two scikit-learn models learn, once per process and in about a second, from
the sentences of `accord.signals.corpus` (shipped in the package; nothing is
downloaded): TF-IDF over words (1–2) and character n-grams (2–5, which carry
typos, inflections and the odd word of German or French), then

* purpose — multinomial logistic regression over the seven purposes;
* tags — one logistic regression per tag, against every other sentence.

Logistic regression's probabilities are calibrated by construction (its loss
is the log-loss), so a confidence threshold means what it says; training is
deterministic (lbfgs, no random state), so every run and machine infers the
same. A text the models have no words for gets a low confidence and is left
unlabelled by the threshold rather than guessed.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from accord.signals import corpus as corpus_module
from accord.signals.corpus import PURPOSES, TAGS, purpose_examples, tag_examples

MODEL_VERSION = "signals-1"
"""Stored with each inference (`signals_model`): `accord infer` redoes older ones."""
PURPOSE_CLASSES: tuple[str, ...] = tuple(PURPOSES)
TAG_CLASSES: tuple[str, ...] = tuple(TAGS)

_DIGITS = re.compile(r"\d+")


def _normal(text: str) -> str:
    return _DIGITS.sub("0", text.lower())


@dataclass(frozen=True, slots=True)
class Guess:
    """What the models read in one text: every purpose's and tag's probability."""

    purposes: dict[str, float]
    tags: dict[str, float]

    @property
    def purpose(self) -> tuple[str, float]:
        """The likeliest purpose and its probability."""
        best = max(self.purposes, key=lambda p: self.purposes[p])
        return best, self.purposes[best]

    def tags_from(self, threshold: float) -> dict[str, float]:
        """The tags at or above `threshold`, likeliest first."""
        found = {t: p for t, p in self.tags.items() if p >= threshold}
        return dict(sorted(found.items(), key=lambda kv: -kv[1]))


@dataclass(frozen=True)
class _Models:
    features: Any  # a fitted FeatureUnion
    purpose: Any  # LogisticRegression
    tags: dict[str, Any]  # tag → LogisticRegression


CACHE_ENV = "ACCORD_CACHE_DIR"
"""Where the trained models are kept between runs (default ~/.cache/accord)."""


def _cache_file() -> Path:
    import sklearn

    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "accord"
    )
    corpus = hashlib.sha256(inspect.getsource(corpus_module).encode()).hexdigest()[:16]
    return Path(base) / f"{MODEL_VERSION}-sklearn{sklearn.__version__}-{corpus}.pickle"


@lru_cache(maxsize=1)
def _models() -> _Models:
    """The trained models: from the cache when this corpus and scikit-learn trained them
    before (a few milliseconds), else trained (a second or two) and cached. A cache
    that cannot be read or written is simply not used."""
    path = _cache_file()
    with contextlib.suppress(Exception):
        with path.open("rb") as fh:
            cached = pickle.load(fh)  # our own file, in the user's own cache folder
        if isinstance(cached, _Models):
            return cached
    models = _train()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        with scratch.open("wb") as fh:
            pickle.dump(models, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(scratch, path)
    return models


def _train() -> _Models:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion
    from threadpoolctl import threadpool_limits

    purpose_rows = list(purpose_examples())
    tag_rows = list(tag_examples())
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=_normal, ngram_range=(1, 2), min_df=1, sublinear_tf=True
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=_normal,
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    texts = [t for t, _ in purpose_rows] + [t for t, _ in tag_rows]
    with threadpool_limits(1):  # BLAS threads on small sparse fits only contend (10× slower)
        return _fit(features, texts, purpose_rows, tag_rows, LogisticRegression)


def _fit(
    features: Any,
    texts: list[str],
    purpose_rows: list[tuple[str, str]],
    tag_rows: list[tuple[str, str]],
    regression: Any,
) -> _Models:
    matrix = features.fit_transform(texts)
    n_purpose = len(purpose_rows)
    purpose = regression(C=4.0, max_iter=3000)
    purpose.fit(matrix[:n_purpose], [p for _, p in purpose_rows])
    labels = np.array([""] * n_purpose + [t for _, t in tag_rows])
    tags = {}
    for tag in TAG_CLASSES:
        model = regression(C=4.0, max_iter=3000)
        model.fit(matrix, labels == tag)
        tags[tag] = model
    return _Models(features, purpose, tags)


def read(texts: list[str]) -> list[Guess]:
    """The models' reading of each text (texts already `clean`ed; '' reads as nothing)."""
    if not texts:
        return []
    from threadpoolctl import threadpool_limits

    m = _models()
    with threadpool_limits(1):
        matrix = m.features.transform(texts)
        purposes = m.purpose.predict_proba(matrix)
        tag_probs = {
            tag: model.predict_proba(matrix)[:, list(model.classes_).index(True)]
            for tag, model in m.tags.items()
        }
    classes = [str(c) for c in m.purpose.classes_]
    out = []
    for i in range(len(texts)):
        out.append(
            Guess(
                {c: float(purposes[i, j]) for j, c in enumerate(classes)},
                {tag: float(tag_probs[tag][i]) for tag in TAG_CLASSES},
            )
        )
    return out
