"""FAISS index types at 10k / 100k / 1M vectors: build time, bytes per vector, latency, recall@10.

The vectors are synthetic: 384-d unit vectors drawn around random cluster centres (sentence
embeddings are clustered, which is what makes IVF and HNSW work), and the queries come from the
same distribution. Recall@10 is measured against an exact flat search.

    .venv/bin/python -m bench.scale [--sizes 10000,100000,1000000] [--queries 200]

Writes ``bench/results/scale.md`` and the section "FAISS at scale" of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"
DIM = 384


def clustered_unit_vectors(n: int, dim: int, rng: np.random.Generator, n_clusters: int,
                           spread: float = 0.6) -> np.ndarray:
    """``n`` unit vectors around ``n_clusters`` random unit centres (float32, C-contiguous)."""
    centres = rng.standard_normal((n_clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        labels = rng.integers(0, n_clusters, m)
        noise = rng.standard_normal((m, dim), dtype=np.float32) * (spread / np.sqrt(dim))
        block = centres[labels] + noise
        out[start:start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def candidates(n: int) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """(label, factory string, [(search parameter, value), ...]) to try at size ``n``.

    The IVF row is the index ``qa.vectors.ann.choose_index_spec`` picks for large collections, with its
    own ``nprobe`` and the neighbouring values. (IVF-PQ96 was measured at 100k: recall@10 0.50 at
    127 B/vector and a 200 s build, so it is no longer tried.)
    """
    from qa.vectors.ann import choose_index_spec

    spec = choose_index_spec(max(n, 50_000))
    nlist = int(spec.factory[3:].split(",")[0])
    ivf_probes = sorted({("nprobe", p) for p in (spec.nprobe // 2, spec.nprobe, spec.nprobe * 2)
                         if 1 <= p <= nlist})
    return [
        ("flat (exact)", "Flat", [("", 0)]),
        ("HNSW32 fp32", "HNSW32,Flat", [("efSearch", 32), ("efSearch", 64), ("efSearch", 128)]),
        ("HNSW32 SQ8", "HNSW32,SQ8", [("efSearch", 64), ("efSearch", 128)]),
        (f"IVF{nlist} SQ8 (qa.vectors.ann)", spec.factory, ivf_probes),
    ]


def set_param(index, name: str, value: int) -> None:
    import faiss

    if not name:
        return
    params = faiss.ParameterSpace()
    params.set_index_parameter(index, name, value)


def measure(n: int, n_queries: int, rng: np.random.Generator, skip_slow: bool) -> list[dict]:
    import faiss

    data = clustered_unit_vectors(n + n_queries, DIM, rng, n_clusters=max(20, n // 500))
    base, queries = data[:n], data[n:]
    exact = faiss.IndexFlatIP(DIM)
    exact.add(base)
    _, truth = exact.search(queries, 10)
    rows = []
    for label, factory, params in candidates(n):
        if skip_slow and factory.startswith("HNSW32,Flat") and n >= 1_000_000:
            continue
        t0 = time.perf_counter()
        index = faiss.index_factory(DIM, factory, faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            # FAISS wants >= 39 training points per centroid; at 10k the lists get fewer.
            from qa.vectors.ann import POINTS_PER_LIST

            if factory.startswith("IVF"):  # as qa.vectors.ann trains it
                n_train = POINTS_PER_LIST * int(factory[3:].split(",")[0])
            else:  # a scalar quantiser only needs value ranges
                n_train = 100_000
            train = base[rng.choice(n, size=min(n, n_train), replace=False)]
            index.train(train)
        index.add(base)
        build_s = time.perf_counter() - t0
        size = len(faiss.serialize_index(index))
        # One query at a time on one thread, as a server answering questions searches: OpenMP
        # start-up for a single query costs more than it saves (and stalls on a busy machine).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        for name, value in params:
            set_param(index, name, value)
            index.search(queries[:5], 10)  # warm caches
            lat = []
            found = np.empty((n_queries, 10), dtype=np.int64)
            for i in range(n_queries):
                t = time.perf_counter()
                _, ids = index.search(queries[i:i + 1], 10)
                lat.append((time.perf_counter() - t) * 1e3)
                found[i] = ids[0]
            recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
            rows.append({"n": n, "index": label, "factory": factory,
                         "param": f"{name}={value}" if name else "", "build_s": build_s,
                         "bytes_per_vector": size / n, "p50_ms": float(np.percentile(lat, 50)),
                         "p95_ms": float(np.percentile(lat, 95)), "recall10": recall})
            print(f"{n:>9,} {label:<24} {rows[-1]['param']:<12} build {build_s:7.1f} s  "
                  f"{size / n:7.0f} B/vec  p50 {rows[-1]['p50_ms']:7.2f} ms  p95 {rows[-1]['p95_ms']:7.2f} ms  "
                  f"recall@10 {recall:.3f}", flush=True)
        faiss.omp_set_num_threads(threads)
        del index
    return rows


def to_markdown(rows: list[dict], n_queries: int) -> str:
    import faiss

    lines = [
        "## FAISS at scale (synthetic vectors)", "",
        f"`bench/scale.py` on {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPU cores (shared), "
        f"faiss {faiss.__version__}: 384-d unit vectors clustered around n/500 random centres, "
        f"{n_queries} held-out queries searched one at a time, recall@10 against exact search. "
        "Bytes/vector is the serialised index size divided by the number of vectors.", "",
        "| Vectors | Index | Search parameter | Build (s) | Bytes/vector | p50 (ms) | p95 (ms) | Recall@10 |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['index']} | {r['param']} | {r['build_s']:.1f} | "
                     f"{r['bytes_per_vector']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['recall10']:.3f} |")
    return "\n".join(lines)


def splice_into_doc(section: str) -> None:
    from bench.common import replace_marked_section

    replace_marked_section(DOC, BEGIN, END, f"{BEGIN}\n{section}\n{END}", "# Benchmarks")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-slow", action="store_true", help="skip HNSW fp32 at 1M (slow to build)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += measure(n, args.queries, rng, args.skip_slow)
    section = to_markdown(rows, args.queries)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.md").write_text(f"{BEGIN}\n{section}\n{END}\n", encoding="utf-8")
    splice_into_doc(section)
    print(f"\nwrote {DOC.relative_to(ROOT)} (section 'FAISS at scale')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
