"""Find the passages (chunks) that may answer a question: dense, lexical, and their fusion.

Every retriever follows one protocol, ``search(query, k) -> list[Hit]``, best first. The fusion rules
(reciprocal-rank fusion and a min-max normalised convex mix) are pure functions over score lists.
Lexical search is BM25 from bm25s over stemmed, stop-word-free terms (PyStemmer's Snowball stemmer).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Collection, Protocol

import numpy as np

from qa.config import HYBRID_ALPHA, HYBRID_CANDIDATES, HYBRID_FUSION, RRF_K
from qa.index.vocabulary import index_vocabulary
from qa.lexicon.terms import analyze
from qa.retrieve.fusion import convex_fusion, reciprocal_rank_fusion
from qa.types import Hit


class Retriever(Protocol):
    """What every retriever offers (dense, lexical, hybrid): one signature."""

    def search(self, query: str, k: int, *, vector: np.ndarray | None = None,
               allowed: Collection[str] | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query``, best first, ranks from 1.

        ``vector`` is the query already embedded (a retriever that needs none ignores it);
        ``allowed`` keeps only the passages of those document ids (None: every document).
        """
        ...


# --- pure fusion maths ---------------------------------------------------------------------------







# --- lexical index -------------------------------------------------------------------------------





# --- retrievers ----------------------------------------------------------------------------------

def search_allowed(best: Callable[[int], list[Hit]], k: int, allowed: Collection[str] | None,
                   n_chunks: int) -> list[Hit]:
    """The ``k`` best hits of ``best(n)`` (the ``n`` best passages) whose document is in ``allowed``.

    Without a filter this is ``best(k)``. With one, it over-fetches (ten times ``k``, at least
    200 passages) and widens to every passage when too few allowed ones came back; the kept hits
    are ranked again from 1.
    """
    if allowed is None:
        return best(k)
    n = min(n_chunks, max(10 * k, 200))
    while True:
        hits = [h for h in best(n) if h.chunk.doc_id in allowed]
        if len(hits) >= k or n >= n_chunks:
            return [replace(h, rank=i + 1) for i, h in enumerate(hits[:k])]
        n = n_chunks


def _top(scores: np.ndarray, k: int) -> list[int]:
    k = min(k, scores.shape[0])
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in part[np.argsort(-scores[part], kind="stable")]]


class DenseRetriever:
    """Cosine similarity between the question vector and every chunk vector (FAISS)."""

    def __init__(self, index, embedder) -> None:
        self.index = index
        self.embedder = embedder

    def scores(self, query: str, k: int, query_vector: np.ndarray | None = None) -> dict[int, float]:
        if query_vector is None:
            query_vector = self.embedder.encode([query])[0]
        q = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        k = min(k, self.index.n_chunks)
        sims, rows = self.index.faiss_index.search(q, k)
        return {int(r): float(s) for r, s in zip(rows[0], sims[0]) if r >= 0}

    def search(self, query: str, k: int, *, vector: np.ndarray | None = None,
               allowed: Collection[str] | None = None) -> list[Hit]:
        def best(n: int) -> list[Hit]:
            found = self.scores(query, n, vector)
            return [Hit(self.index.chunk(r), s, i + 1, dense_score=s) for i, (r, s) in enumerate(found.items())]

        return search_allowed(best, k, allowed, self.index.n_chunks)


class LexicalRetriever:
    """BM25 over the chunk texts."""

    def __init__(self, index) -> None:
        self.index = index

    def scores(self, query: str, k: int) -> dict[int, float]:
        terms = index_vocabulary(self.index).normalize(analyze(query))
        if not terms:
            return {}
        scores = np.asarray(self.index.lexical.get_scores(terms), dtype=np.float64)
        return {r: float(scores[r]) for r in _top(scores, k) if scores[r] > 0}

    def search(self, query: str, k: int, *, vector: np.ndarray | None = None,
               allowed: Collection[str] | None = None) -> list[Hit]:
        """BM25 needs no query vector: ``vector`` is accepted and ignored."""
        def best(n: int) -> list[Hit]:
            found = self.scores(query, n)
            return [Hit(self.index.chunk(r), s, i + 1, lexical_score=s) for i, (r, s) in enumerate(found.items())]

        return search_allowed(best, k, allowed, self.index.n_chunks)


class HybridRetriever:
    """Dense and lexical candidates fused by a convex score mix (default, ``qa.config.HYBRID_FUSION``)
    or by reciprocal rank."""

    def __init__(self, index, embedder, fusion: str = HYBRID_FUSION, alpha: float = HYBRID_ALPHA,
                 rrf_k: int = RRF_K, candidates: int = HYBRID_CANDIDATES) -> None:
        if fusion not in ("convex", "rrf"):
            raise ValueError(f"unknown fusion {fusion!r}: use 'convex' or 'rrf'")
        self.dense = DenseRetriever(index, embedder)
        self.lexical = LexicalRetriever(index)
        self.index = index
        self.fusion = fusion
        self.alpha = alpha
        self.rrf_k = rrf_k
        self.candidates = candidates

    def search(self, query: str, k: int, *, vector: np.ndarray | None = None,
               allowed: Collection[str] | None = None) -> list[Hit]:
        def best(want: int) -> list[Hit]:
            n = max(self.candidates, want)
            dense = self.dense.scores(query, n, vector)
            lexical = self.lexical.scores(query, n)
            if self.fusion == "convex":
                fused = convex_fusion(dense, lexical, self.alpha)
            else:
                fused = reciprocal_rank_fusion([list(dense), list(lexical)], k=self.rrf_k)
            return [Hit(self.index.chunk(r), s, i + 1, dense.get(r), lexical.get(r))
                    for i, (r, s) in enumerate(fused[:want])]

        return search_allowed(best, k, allowed, self.index.n_chunks)


def make_retriever(mode: str, index, embedder):
    """The retriever for ``mode`` ("hybrid", "dense" or "lexical")."""
    if mode == "dense":
        return DenseRetriever(index, embedder)
    if mode == "lexical":
        return LexicalRetriever(index)
    if mode == "hybrid":
        return HybridRetriever(index, embedder)
    raise ValueError(f"unknown retrieval mode {mode!r}: use 'hybrid', 'dense' or 'lexical'")
