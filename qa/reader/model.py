"""The fitted reader: a linear sentence scorer over ``qa.reader.features.FEATURES``, a second stage
that reorders the scorer's best few by how well the question's words are matched in them
(``RERANK_FEATURES``: the token alignment of ``qa.reader.alignment``) and a logistic answerability
model over ``QUESTION_FEATURES``, read from a small JSON file shipped in the package
(``weights/reader.json``, written by ``bench/train_reader.py``; model card beside it).

All are pure functions over arrays once loaded: ``ReaderModel.score`` gives each candidate a logit
(higher = more likely to hold the answer), ``ReaderModel.rerank`` reorders the best ``RERANKED`` of
them, ``ReaderModel.answerable`` gives the probability that the best candidate answers the question. The file is loaded once per process and checked: a file
whose feature names differ from the code's is refused with the command that refits it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.reader.features import FEATURES, QUESTION_FEATURES

#: The shipped weights.
WEIGHTS_FILE = Path(__file__).resolve().parent / "weights" / "reader.json"
WEIGHTS_VERSION = 1

#: How many of the scorer's best candidates the second stage reorders (each one's token alignment
#: with the question is computed: a pass of the model over the sentence).
RERANKED = 5
#: The second stage's input per candidate: the scorer's logit, its distance to the best logit,
#: and the candidate's token alignment with the question (``qa.reader.alignment.Alignment``).
RERANK_FEATURES = ("logit", "logit_gap", "align_mean", "align_min", "align_unmatched")


class ReaderModelError(QAError):
    """The reader's weights file is missing, unreadable or fitted for other features."""


@dataclass(frozen=True)
class Linear:
    """``(x - mean) / scale @ coef + intercept``, row-wise."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_dict(cls, d: dict, width: int, what: str) -> "Linear":
        arrays = [np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (width,) for a in arrays):
            raise ReaderModelError(f"the {what} weights have the wrong shape: refit with `make train-reader`")
        return cls(*arrays, float(d["intercept"]))

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.coef + self.intercept


@dataclass(frozen=True)
class ReaderModel:
    """The sentence scorer, the answerability model, the default abstention threshold (the
    answerability probability under which the reader abstains) and the second stage (None: the
    scorer's order stands)."""

    scorer: Linear
    answerability: Linear
    threshold: float
    card: dict
    reranker: Linear | None = None

    def score(self, features: np.ndarray) -> np.ndarray:
        """One logit per candidate row of ``features`` (columns ``FEATURES``)."""
        if len(features) == 0:
            return np.zeros(0)
        return self.scorer(features)

    def rerank(self, logits: np.ndarray, align: np.ndarray) -> np.ndarray:
        """``logits`` with the values of the best ``RERANKED`` candidates handed out again in the
        second stage's order: the candidate it prefers gets the best logit, and so on. ``align`` has
        a row per candidate, the ``Alignment`` of each one ``reranked`` names (NaN for the others,
        which keep their logits). The values stay the scorer's, so what the answerability model
        reads of them (the best logit, its margin) keeps its meaning."""
        return logits if self.reranker is None else second_stage(self.reranker, logits, align)

    def answerable(self, question_features: np.ndarray) -> float:
        """Probability (0..1) that the best candidate answers the question. A feature not known
        (NaN: no token vectors for the alignment) weighs as its training mean."""
        x = np.asarray(question_features, dtype=np.float64)
        x = np.where(np.isnan(x), self.answerability.mean, x)
        z = float(self.answerability(x[None, :])[0])
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict:
        return {"version": WEIGHTS_VERSION, "features": list(FEATURES),
                "question_features": list(QUESTION_FEATURES), "scorer": self.scorer.to_dict(),
                "answerability": self.answerability.to_dict(), "threshold": self.threshold,
                "card": self.card, **({"rerank_features": list(RERANK_FEATURES), "reranked": RERANKED,
                                       "reranker": self.reranker.to_dict()} if self.reranker else {})}

    @classmethod
    def from_dict(cls, d: dict) -> "ReaderModel":
        if d.get("version") != WEIGHTS_VERSION:
            raise ReaderModelError(f"reader weights version {d.get('version')!r}, expected "
                                   f"{WEIGHTS_VERSION}: refit with `make train-reader`")
        if tuple(d.get("features", ())) != FEATURES or tuple(d.get("question_features", ())) != QUESTION_FEATURES:
            raise ReaderModelError("the reader weights were fitted for other features than this code "
                                   "computes: refit with `make train-reader`")
        reranker = None
        if "reranker" in d:
            if tuple(d.get("rerank_features", ())) != RERANK_FEATURES or d.get("reranked") != RERANKED:
                raise ReaderModelError("the reader's second stage was fitted for other inputs than this code "
                                       "gives it: refit with `make train-reader`")
            reranker = Linear.from_dict(d["reranker"], len(RERANK_FEATURES), "second stage")
        return cls(Linear.from_dict(d["scorer"], len(FEATURES), "scorer"),
                   Linear.from_dict(d["answerability"], len(QUESTION_FEATURES), "answerability"),
                   float(d["threshold"]), dict(d.get("card", {})), reranker)


def reranked(logits: np.ndarray) -> np.ndarray:
    """The rows of the best ``RERANKED`` logits, best first: the candidates the second stage reads
    (their token alignment is computed for it)."""
    return np.argsort(-np.asarray(logits), kind="stable")[:RERANKED]


def rerank_inputs(logits: np.ndarray, align: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows the second stage reorders (the ``reranked`` ones whose alignment is known, best
    first) and its input for them (``RERANK_FEATURES``, one row each)."""
    top = np.array([int(j) for j in reranked(logits) if not np.isnan(align[j]).any()], dtype=np.int64)
    if len(top) == 0:
        return top, np.zeros((0, len(RERANK_FEATURES)))
    x = np.column_stack([logits[top], logits[top] - logits[top[0]], align[top]]).astype(np.float64)
    return top, x


def second_stage(reranker: Linear, logits: np.ndarray, align: np.ndarray) -> np.ndarray:
    """``ReaderModel.rerank`` with the second stage ``reranker``."""
    top, x = rerank_inputs(logits, align)
    if len(top) < 2:
        return logits
    order = np.argsort(-reranker(x), kind="stable")
    out = np.array(logits, dtype=np.float64, copy=True)
    out[top[order]] = np.sort(logits[top])[::-1]
    return out


_lock = threading.Lock()
_cache: dict[str, ReaderModel] = {}


def load_reader_model(path: str | Path | None = None) -> ReaderModel:
    """The reader model in ``path`` (default: the shipped weights), loaded once per process."""
    path = Path(path) if path is not None else WEIGHTS_FILE
    key = str(path)
    with _lock:
        if key in _cache:
            return _cache[key]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReaderModelError(f"no reader weights at {path}: fit them with `make train-reader`") from exc
    except (OSError, ValueError) as exc:
        raise ReaderModelError(f"cannot read the reader weights {path}: {exc}") from exc
    model = ReaderModel.from_dict(data)
    with _lock:
        return _cache.setdefault(key, model)


def default_threshold(settings=None) -> float:
    """The abstention threshold ``answer()`` uses when given none: the configured one, else the one
    fitted with the shipped weights."""
    from qa.config import DEFAULT_SETTINGS

    configured = (settings or DEFAULT_SETTINGS).extract.abstain_threshold
    return load_reader_model().threshold if configured is None else configured
