"""Fusing ranked lists: reciprocal-rank fusion and a min-max normalised convex mix, pure functions
over score lists (no index, no model)."""

from __future__ import annotations

from typing import Sequence

import numpy as np


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
