"""Sentence vectors computed when a question first reads them, for indexes built without them.

A build embeds every passage and every sentence; on real corpora the sentences are 43 % of the
build's time (``bench/build_speed.py``), yet a question reads only the sentences of the few
passages it retrieves. ``qa index --sentence-vectors lazy`` skips them: ``LazySentenceVectors``
stands in for the ``sentence_vectors.npy`` array (same indexing: one row or an array of rows, unit
float16 rows out) and embeds a row the first time it is read, with the encoder that embeds the
questions (the same model, in the same vector space), keeping it for the next question.
"""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

#: Rows kept at most (float16, 384 wide: ~77 MB); beyond it the oldest half is dropped.
MAX_CACHED_ROWS = 100_000


class LazySentenceVectors:
    """``vectors[row]`` / ``vectors[rows]`` like the float16 array of a built index, embedding
    each row on first use. ``texts`` is the sentence table's text getter; ``bind`` sets the encoder
    (anything with ``encode(list[str]) -> unit float32 rows``), else the default one is used."""

    def __init__(self, count: int, dim: int, text_of, encoder=None) -> None:
        self.shape = (count, dim)
        self.dtype = np.dtype(np.float16)
        self._text_of = text_of
        self._encoder = encoder
        self._rows: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.shape[0]

    def bind(self, encoder) -> None:
        """Embed missing rows with ``encoder`` (the question encoder of the first caller)."""
        with self._lock:
            if self._encoder is None:
                self._encoder = encoder

    def __getitem__(self, rows):
        if isinstance(rows, (int, np.integer)):
            return self._vectors([int(rows)])[0]
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return self._vectors([int(r) for r in rows.reshape(-1)]).reshape(*rows.shape, self.shape[1])

    def _vectors(self, rows: Sequence[int]) -> np.ndarray:
        for r in rows:
            if not -self.shape[0] <= r < self.shape[0]:
                raise IndexError(f"sentence row {r} out of range ({self.shape[0]} sentences)")
        rows = [r % self.shape[0] if self.shape[0] else r for r in rows]
        with self._lock:
            missing = sorted({r for r in rows if r not in self._rows})
            encoder = self._encoder
        if missing:
            if encoder is None:
                from qa.embed import default_embedder

                encoder = default_embedder()
            vectors = np.asarray(encoder.encode([self._text_of(r) for r in missing]), dtype=np.float16)
            with self._lock:
                if len(self._rows) + len(missing) > MAX_CACHED_ROWS:
                    for r in list(self._rows)[:len(self._rows) // 2]:
                        del self._rows[r]
                self._rows.update(zip(missing, vectors))
        with self._lock:
            found = [self._rows.get(r) for r in rows]
        if any(v is None for v in found):  # dropped by another thread meanwhile: read them again
            return self._vectors(rows)
        return np.stack(found) if found else np.zeros((0, self.shape[1]), dtype=np.float16)
