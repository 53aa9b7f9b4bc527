"""Find the passages (chunks) that may answer a question: dense, lexical, and their fusion.

Every retriever follows one protocol, ``search(query, k) -> list[Hit]``, best first. The fusion rules
(reciprocal-rank fusion and a min-max normalised convex mix) are pure functions over score lists.
Lexical search is BM25 from bm25s over stemmed, stop-word-free terms (PyStemmer's Snowball stemmer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from qa.types import Hit
from qa.config import HYBRID_ALPHA, HYBRID_FUSION
from qa.lexicon.terms import analyze
from qa.index.vocabulary import index_vocabulary




class Retriever(Protocol):
    def search(self, query: str, k: int) -> list[Hit]:
        """The ``k`` best passages for ``query``, best first."""
        ...


# --- pure fusion maths ---------------------------------------------------------------------------

def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = 60,
                           weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Fuse ranked id lists: score(id) = sum_i w_i / (k + rank_i(id)), ranks from 1.

    Returns (id, score) pairs, best first; ties keep the order in which ids were first seen.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def minmax(scores: Sequence[float]) -> np.ndarray:
    """Scores rescaled to [0, 1] (all equal -> all 1)."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.size == 0:
        return arr
    lo, hi = float(arr.min()), float(arr.max())
    if hi - lo < 1e-12:
        return np.ones_like(arr)
    return (arr - lo) / (hi - lo)


def convex_fusion(dense: dict[int, float], lexical: dict[int, float], alpha: float = 0.5
                  ) -> list[tuple[int, float]]:
    """Fuse two score maps: alpha * minmax(dense) + (1 - alpha) * minmax(lexical).

    An id missing from one map gets 0 from it. Returns (id, score) pairs, best first.
    """
    ids = list(dict.fromkeys([*dense, *lexical]))
    d = dict(zip(dense, minmax(list(dense.values()))))
    lx = dict(zip(lexical, minmax(list(lexical.values()))))
    fused = [(i, alpha * d.get(i, 0.0) + (1 - alpha) * lx.get(i, 0.0)) for i in ids]
    return sorted(fused, key=lambda kv: -kv[1])


# --- lexical index -------------------------------------------------------------------------------

def build_lexical_index(texts: Sequence[str], folder: Path) -> None:
    """Write a BM25 index of ``texts`` (row i = text i) into ``folder`` as plain bm25s files."""
    import bm25s

    from bm25s.tokenization import Tokenized

    retriever = bm25s.BM25()
    tokens = [analyze(t) or ["\u2205"] for t in texts]  # an empty row would break bm25s
    # Term ids in sorted order: bm25s would number terms in set order, which follows Python's
    # per-process string hashing, so two builds of the same texts would write different bytes.
    vocab = {term: i for i, term in enumerate(sorted({t for row in tokens for t in row}))}
    retriever.index(Tokenized(ids=[[vocab[t] for t in row] for row in tokens], vocab=vocab),
                    show_progress=False)
    retriever.save(str(folder))


def load_lexical_index(folder: Path):
    """Load a BM25 index written by ``build_lexical_index`` (memory-mapped)."""
    import bm25s

    return bm25s.BM25.load(str(folder), mmap=True)


# --- retrievers ----------------------------------------------------------------------------------

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

    def search(self, query: str, k: int, query_vector: np.ndarray | None = None) -> list[Hit]:
        found = self.scores(query, k, query_vector)
        return [Hit(self.index.chunk(r), s, i + 1, dense_score=s) for i, (r, s) in enumerate(found.items())]


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

    def search(self, query: str, k: int) -> list[Hit]:
        found = self.scores(query, k)
        return [Hit(self.index.chunk(r), s, i + 1, lexical_score=s) for i, (r, s) in enumerate(found.items())]


class HybridRetriever:
    """Dense and lexical candidates fused by a convex score mix (default, ``qa.config.HYBRID_FUSION``)
    or by reciprocal rank."""

    def __init__(self, index, embedder, fusion: str = HYBRID_FUSION, alpha: float = HYBRID_ALPHA,
                 rrf_k: int = 60, candidates: int = 50) -> None:
        if fusion not in ("convex", "rrf"):
            raise ValueError(f"unknown fusion {fusion!r}: use 'convex' or 'rrf'")
        self.dense = DenseRetriever(index, embedder)
        self.lexical = LexicalRetriever(index)
        self.index = index
        self.fusion = fusion
        self.alpha = alpha
        self.rrf_k = rrf_k
        self.candidates = candidates

    def search(self, query: str, k: int, query_vector: np.ndarray | None = None) -> list[Hit]:
        n = max(self.candidates, k)
        dense = self.dense.scores(query, n, query_vector)
        lexical = self.lexical.scores(query, n)
        if self.fusion == "convex":
            fused = convex_fusion(dense, lexical, self.alpha)
        else:
            fused = reciprocal_rank_fusion([list(dense), list(lexical)], k=self.rrf_k)
        return [Hit(self.index.chunk(r), s, i + 1, dense.get(r), lexical.get(r))
                for i, (r, s) in enumerate(fused[:k])]


def make_retriever(mode: str, index, embedder):
    """The retriever for ``mode`` ("hybrid", "dense" or "lexical")."""
    if mode == "dense":
        return DenseRetriever(index, embedder)
    if mode == "lexical":
        return LexicalRetriever(index)
    if mode == "hybrid":
        return HybridRetriever(index, embedder)
    raise ValueError(f"unknown retrieval mode {mode!r}: use 'hybrid', 'dense' or 'lexical'")
