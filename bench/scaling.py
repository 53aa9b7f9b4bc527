"""Scale-out engines measured on this machine: Milvus Lite vs FAISS, Ray Data vs local embedding.

1. Vector stores (synthetic vectors, as in bench/scale.py: 384-d unit vectors clustered around
   n/500 random centres, 200 held-out queries searched one at a time): for FAISS flat, FAISS
   IVF-SQ8 (qa.vectors.ann's choice) and Milvus Lite (FLAT, and IVF_SQ8 with the same lists and probes),
   through the project's own store classes (qa.vectors.store, qa.vectors.milvus): insert/build rate,
   bytes per vector on disk, single-query latency p50/p95, queries per second, recall@10 against
   exact search.
2. Embedding: ``--passages`` passages of the shipped corpus (repeated to reach the count) with the
   bundled model, in this process vs through Ray Data on a local Ray (``qa.embed.ray``), with
   Ray's start-up time reported apart.

    .venv/bin/python -m bench.scaling [--sizes 10000,100000] [--passages 1500] [--skip-embed]

Writes ``bench/results/scaling.md`` and the measured section of ``docs/scaling.md``. Each run
stays under ~10 minutes on 2 cores; it is not run by ``make test``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import CORPUS_DIR, RESULTS, ROOT, cpu_model, replace_marked_section
from bench.scale import DIM, clustered_unit_vectors

DOC = ROOT / "docs" / "scaling.md"
LOAD_AT_START = os.getloadavg()[0]
BEGIN, END = "<!-- scaling:begin -->", "<!-- scaling:end -->"


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def time_queries(store, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, list[float]]:
    """Ids found per query and each query's latency in ms (one query per call, as answer() does)."""
    ids, lat = [], []
    for q in queries:
        t = time.perf_counter()
        _, found = store.search(q[None, :], k)
        lat.append((time.perf_counter() - t) * 1e3)
        ids.append(found[0])
    return np.stack(ids), lat


def recall_at_10(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)]))


def bench_stores(sizes: list[int], n_queries: int) -> list[dict]:
    from qa.vectors import ann
    from qa.vectors.milvus import MilvusStore
    from qa.vectors.store import FaissStore

    rows = []
    for n in sizes:
        rng = np.random.default_rng(n)
        data = clustered_unit_vectors(n + n_queries, DIM, rng, max(1, n // 500))
        vectors, queries = data[:n], data[n:]
        ids = np.arange(n, dtype=np.int64)
        exact = None
        # exact_limit decides flat vs IVF in both engines (qa.vectors.ann.EXACT_LIMIT at build time).
        for engine, exact_limit in (("FAISS", None), ("FAISS", 0), ("Milvus Lite", None), ("Milvus Lite", 0)):
            folder = Path(tempfile.mkdtemp(prefix="qa-bench-scaling-"))
            saved = ann.EXACT_LIMIT
            ann.EXACT_LIMIT = n + 1 if exact_limit is None else exact_limit
            try:
                t0 = time.perf_counter()
                if engine == "FAISS":
                    store = FaissStore.create(folder, DIM, n)
                else:
                    store = MilvusStore.create(None, folder, f"bench{n}x{exact_limit}", DIM, n)
                store.add(vectors, ids)
                record = store.commit()
                build = time.perf_counter() - t0
                label = (store.spec.factory if engine == "FAISS"
                         else record["index"]["index_type"] + (f" nlist={record['index']['params']['nlist']}"
                                                               if record["index"]["params"] else ""))
                if engine == "Milvus Lite":  # commit() closed the writer: open it as a reader does
                    manifest = {"store": record}
                    from qa.vectors.store import open_store

                    store = open_store(folder, manifest)
                size = folder_bytes(folder)
                time_queries(store, queries[:20])  # warm-up
                t0 = time.perf_counter()
                found, lat = time_queries(store, queries)
                wall = time.perf_counter() - t0
                if exact is None:
                    exact = found
                store.close()
            finally:
                ann.EXACT_LIMIT = saved
                shutil.rmtree(folder, ignore_errors=True)
            rows.append({"n": n, "engine": engine, "index": label, "build_s": build,
                         "insert_per_s": n / build, "bytes_per_vector": size / n,
                         "p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
                         "qps": len(queries) / wall, "recall10": recall_at_10(found, exact)})
            print(rows[-1], flush=True)
    return rows


def corpus_passages(count: int) -> list[str]:
    """``count`` passage texts of the shipped corpus (repeated to reach the count)."""
    from qa.ingest.chunk import chunk_documents, passage_text
    from qa.config import DEFAULT_SETTINGS
    from qa.ingest.corpus import read_corpus

    corpus = read_corpus(CORPUS_DIR, DEFAULT_SETTINGS)
    sentences, chunks = chunk_documents(corpus.documents, DEFAULT_SETTINGS.chunk, {})
    texts = {d.doc_id: d.text for d in corpus.documents}
    base = [passage_text(texts[c.doc_id], sentences, c) for c in chunks]
    return [f"{base[i % len(base)]} ({i // len(base)})" for i in range(count)]


def bench_embedding(n_passages: int) -> dict:
    from qa.embed import default_embedder
    from qa.embed.ray import RayEmbedder, ensure_ray

    texts = corpus_passages(n_passages)
    local = default_embedder()
    local.encode(texts[:64])  # load the model before timing
    t0 = time.perf_counter()
    expected = local.encode(texts)
    local_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ray = ensure_ray()
    ray_start = time.perf_counter() - t0
    cpus = int(ray.cluster_resources().get("CPU", 1))
    embedder = RayEmbedder(local)
    embedder.encode(texts[:64])  # actors start and load the model
    t0 = time.perf_counter()
    got = embedder.encode(texts)
    ray_s = time.perf_counter() - t0
    ray.shutdown()
    out = {"passages": n_passages, "embedder": type(local).__name__, "local_s": local_s,
           "local_per_s": n_passages / local_s, "ray_start_s": ray_start, "ray_s": ray_s,
           "ray_per_s": n_passages / ray_s, "ray_cpus": cpus, "max_abs_diff": float(np.abs(got - expected).max())}
    print(out, flush=True)
    return out


def render(stores: list[dict], embedding: dict | None, when: str) -> str:
    import faiss
    import pymilvus

    load = os.getloadavg()[0]
    lines = [BEGIN, "", f"Measured by `bench/scaling.py` on {when}, {os.cpu_count()} CPU cores (shared with "
             f"other jobs; 1-minute load average {LOAD_AT_START:.1f} at the start, {load:.1f} at the end), "
             f"{cpu_model() or 'unknown CPU'}; faiss {faiss.__version__}, pymilvus "
             f"{pymilvus.__version__} with Milvus Lite (embedded, in-process gRPC server).", ""]
    if stores:
        lines += ["**Vector stores** (synthetic 384-d unit vectors, clustered; 200 queries one at a time; "
                  "recall@10 against exact FAISS search; bytes/vector = files on disk / vectors):", "",
                  "| Vectors | Engine | Index | Insert+build (vectors/s) | Bytes/vector | p50 (ms) | p95 (ms) "
                  "| QPS (1 client) | Recall@10 |",
                  "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
        for r in stores:
            lines.append(f"| {r['n']:,} | {r['engine']} | {r['index']} | {r['insert_per_s']:,.0f} | "
                         f"{r['bytes_per_vector']:,.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | "
                         f"{r['qps']:,.0f} | {r['recall10']:.3f} |")
        lines.append("")
    if embedding:
        e = embedding
        lines += [f"**Embedding** {e['passages']:,} passages of the shipped corpus with the bundled model "
                  f"({e['embedder']}):", "",
                  "| Engine | Passages/s | Seconds | Note |", "|---|---:|---:|---|",
                  f"| local (this process) | {e['local_per_s']:.0f} | {e['local_s']:.1f} | |",
                  f"| Ray Data, local Ray ({e['ray_cpus']} CPUs) | {e['ray_per_s']:.0f} | {e['ray_s']:.1f} | "
                  f"actors warm; starting Ray took {e['ray_start_s']:.1f} s more; max abs diff vs local "
                  f"{e['max_abs_diff']:.1e} |", ""]
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passages", type=int, default=1500)
    parser.add_argument("--skip-embed", action="store_true")
    parser.add_argument("--skip-stores", action="store_true")
    args = parser.parse_args()
    stores = [] if args.skip_stores else bench_stores([int(s) for s in args.sizes.split(",")], args.queries)
    embedding = None if args.skip_embed else bench_embedding(args.passages)
    block = render(stores, embedding, time.strftime("%Y-%m-%d %H:%M"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scaling.md").write_text(block + "\n", encoding="utf-8")
    replace_marked_section(DOC, BEGIN, END, block, "# Scaling")
    print(block)


if __name__ == "__main__":
    main()
