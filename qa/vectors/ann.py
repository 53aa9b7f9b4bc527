"""Which FAISS index to build for a number of vectors, and how to build and tune it.

Exact search is cheap below a few tens of thousands of passages and needs no training, so small
corpora get ``IndexFlatIP``. Above that, an inverted-file index with 8-bit scalar quantisation
(``IVF{nlist},SQ8``) keeps recall@10 >= 0.95 at ~400 bytes per 384-d vector and searches a fraction
of the lists (``nprobe``); figures in docs/benchmarks.md ("FAISS at scale"). The choice is a pure
function of the count, recorded in the manifest, so a load can re-apply the search parameters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

#: Below this many vectors the index is exact (flat inner product).
EXACT_LIMIT = 50_000
#: Training points per inverted list: FAISS warns below 39; 64 keeps k-means training to about a
#: minute at 1M vectors on two cores while the lists stay balanced.
POINTS_PER_LIST = 64


@dataclass(frozen=True)
class IndexSpec:
    """A FAISS factory string and the search parameters that go with it."""

    factory: str
    nprobe: int = 0  # IVF: lists searched per query (0: not an IVF index)

    def to_dict(self) -> dict:
        return asdict(self)


def choose_index_spec(n_vectors: int, exact_limit: int | None = None) -> IndexSpec:
    """The index for ``n_vectors`` vectors: flat below ``exact_limit``, else IVF-SQ8.

    ``nlist`` is 2 x sqrt(n) (the low end of FAISS's 1-16 x sqrt(n) rule: fewer, larger lists
    train faster and keep recall with fewer probes), capped so that every list gets
    ``POINTS_PER_LIST`` training points; ``nprobe`` searches 1/32 of the lists, at least 32.
    """
    if n_vectors < (EXACT_LIMIT if exact_limit is None else exact_limit):
        return IndexSpec("Flat")
    nlist = max(64, min(int(2 * math.sqrt(n_vectors)), n_vectors // POINTS_PER_LIST, 65_536))
    return IndexSpec(f"IVF{nlist},SQ8", nprobe=min(nlist, max(32, nlist // 32)))


def build_vector_index(vectors: np.ndarray, spec: IndexSpec, seed: int = 1234):
    """A FAISS inner-product index of ``vectors`` (unit rows, float32) built as ``spec`` says.

    IVF indexes are trained on (a seeded sample of) the vectors themselves.
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if spec.factory == "Flat":
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.index_factory(dim, spec.factory, faiss.METRIC_INNER_PRODUCT)
        n_train = min(len(vectors), POINTS_PER_LIST * int(spec.factory.split(",")[0][3:]))
        rng = np.random.default_rng(seed)
        sample = vectors if n_train >= len(vectors) else vectors[np.sort(rng.choice(len(vectors), n_train, replace=False))]
        index.train(sample)
    index.add(vectors)
    apply_search_params(index, spec)
    return index


def apply_search_params(index, spec: IndexSpec) -> None:
    """Set the query-time parameters of ``spec`` on a loaded index."""
    if spec.nprobe:
        import faiss

        faiss.extract_index_ivf(index).nprobe = spec.nprobe
