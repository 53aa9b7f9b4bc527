"""Is one run better than another on the same queries? Paired significance tests per metric.

Per-query values come from ir-measures (``qa.eval.ranking``); the tests from SciPy:

- a paired two-sided randomization (permutation) test: each query's two values are swapped at
  random, 10,000 times with a fixed seed (``scipy.stats.permutation_test``, ``permutation_type=
  "samples"``). Smucker, Allan & Carterette (CIKM 2007) found it the most trustworthy test for IR
  and it is ranx's default; its p-value is the one reported first;
- the paired Student's t-test (``scipy.stats.ttest_rel``), the one most papers print.

Why not ranx itself: it needs numba and llvmlite (a large install, and a JIT compile on first use
that costs seconds at every start); ir-measures, already used for the measures, gives the
per-query values and SciPy the two tests in a few lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

from qa.errors import EvaluationError

#: Random swaps of the randomization test, and its seed (the same p-value on every run).
PERMUTATIONS = 10_000
SEED = 0


@dataclass(frozen=True)
class Comparison:
    """Run ``b`` against run ``a`` on one metric over the same judged queries."""

    metric: str
    a: str
    b: str
    mean_a: float
    mean_b: float
    queries: int
    p_randomization: float
    p_ttest: float

    @property
    def difference(self) -> float:
        return self.mean_b - self.mean_a

    def to_dict(self) -> dict:
        return {**asdict(self), "difference": round(self.difference, 4)}


def paired_pvalues(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """(randomization test p, paired t-test p), two-sided, for per-query values ``a`` and ``b``.

    Identical runs give 1.0 for both (no evidence of a difference), not NaN.
    """
    import numpy as np
    from scipy import stats

    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.size < 2:
        raise EvaluationError("a paired test needs the same two or more queries in both runs")
    if np.allclose(x, y):
        return 1.0, 1.0
    perm = stats.permutation_test(
        (x, y), lambda u, v, axis: np.mean(u - v, axis=axis), permutation_type="samples",
        vectorized=True, n_resamples=PERMUTATIONS, alternative="two-sided",
        random_state=np.random.default_rng(SEED))
    ttest = stats.ttest_rel(x, y)
    p_t = float(ttest.pvalue)
    return float(perm.pvalue), (1.0 if p_t != p_t else p_t)  # NaN when every difference is equal


def compare_reports(a, b) -> list[Comparison]:
    """Every shared metric of two ``RankingReport``s over the queries both scored."""
    queries = [q for q in a.per_query if q in b.per_query]
    if len(queries) < 2:
        raise EvaluationError(f"runs {a.tag!r} and {b.tag!r} share {len(queries)} judged queries; "
                              "a paired test needs two or more")
    out = []
    for metric in (m for m in a.metrics if m in b.metrics):
        xa = [a.per_query[q][metric] for q in queries]
        xb = [b.per_query[q][metric] for q in queries]
        p_perm, p_t = paired_pvalues(xa, xb)
        out.append(Comparison(metric, a.tag, b.tag, round(sum(xa) / len(xa), 4),
                              round(sum(xb) / len(xb), 4), len(queries), round(p_perm, 4), round(p_t, 4)))
    return out
