"""The fitted reader: a linear sentence scorer over ``qa.reader.features.FEATURES`` and a logistic
answerability model over ``QUESTION_FEATURES``, read from a small JSON file shipped in the
package (``weights/reader.json``, written by ``bench/train_reader.py``; model card beside it).

Both are pure functions over arrays once loaded: ``ReaderModel.score`` gives each candidate a logit
(higher = more likely to hold the answer), ``ReaderModel.answerable`` the probability that the
best candidate answers the question. The file is loaded once per process and checked: a file
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
    """The sentence scorer, the answerability model and the default abstention threshold (the
    answerability probability under which the reader abstains)."""

    scorer: Linear
    answerability: Linear
    threshold: float
    card: dict

    def score(self, features: np.ndarray) -> np.ndarray:
        """One logit per candidate row of ``features`` (columns ``FEATURES``)."""
        if len(features) == 0:
            return np.zeros(0)
        return self.scorer(features)

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
                "card": self.card}

    @classmethod
    def from_dict(cls, d: dict) -> "ReaderModel":
        if d.get("version") != WEIGHTS_VERSION:
            raise ReaderModelError(f"reader weights version {d.get('version')!r}, expected "
                                   f"{WEIGHTS_VERSION}: refit with `make train-reader`")
        if tuple(d.get("features", ())) != FEATURES or tuple(d.get("question_features", ())) != QUESTION_FEATURES:
            raise ReaderModelError("the reader weights were fitted for other features than this code "
                                   "computes: refit with `make train-reader`")
        return cls(Linear.from_dict(d["scorer"], len(FEATURES), "scorer"),
                   Linear.from_dict(d["answerability"], len(QUESTION_FEATURES), "answerability"),
                   float(d["threshold"]), dict(d.get("card", {})))


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
