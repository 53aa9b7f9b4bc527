"""Speed of ranking judged queries (``qa eval DATASET_DIR``) against a naive loop, in the same run.

The naive loop is what the first version did: embed each query alone, search FAISS with its
default threads, ask for three times ``depth`` passages. The measured one is
``qa.eval.ranking.run_queries`` (queries embedded 64 at a time, one FAISS thread during the run,
a first search sized from the index's passages per document). Both rank the same queries to the
same depth; the naive loop runs before and after, so that a change in the machine's load shows.

    .venv/bin/python -m bench.eval_speed --index-dir /tmp/scifact-index [--queries 300] [--mode hybrid]

The index must be of SciFact (``qa index ../shared/datasets/scifact --index-dir DIR``); without
the data set or the index the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.common import DATA_DIR


def naive_run(queries: dict, index, embedder, mode: str, depth: int) -> dict:
    from qa.eval.ranking import rank_documents
    from qa.retrieve.retrievers import make_retriever

    retriever = make_retriever(mode, index, embedder)
    run = {}
    for qid, text in queries.items():
        vector = embedder.encode([text])[0] if mode != "lexical" else None
        want = min(index.n_chunks, 3 * depth)
        while True:
            hits = retriever.search(text, want, vector=vector)
            docs = rank_documents(hits, depth)
            if len(docs) >= depth or want >= index.n_chunks or len(hits) < want:
                break
            want = min(index.n_chunks, 2 * want)
        run[qid] = docs
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--depth", type=int, default=100)
    args = parser.parse_args()
    scifact = DATA_DIR / "scifact"
    if not (scifact / "queries.jsonl").is_file():
        print(f"SciFact not found in {DATA_DIR}: nothing measured")
        return 0
    from qa.embed import default_embedder
    from qa.errors import QAError
    from qa.eval.ranking import run_queries
    from qa.eval.trec import load_queries
    from qa.index.cache import get_index

    embedder = default_embedder()
    try:
        index = get_index(args.index_dir, embedder.name)
    except QAError as exc:
        print(f"no usable SciFact index: {exc}")
        return 0
    queries = dict(list(load_queries(scifact / "queries.jsonl").items())[:args.queries])
    embedder.encode(["warm up"])
    times = {}
    for name in ("naive", "qa", "naive again"):
        t0 = time.perf_counter()
        if name.startswith("naive"):
            naive_run(queries, index, embedder, args.mode, args.depth)
        else:
            run_queries(queries, args.index_dir, args.mode, args.depth, embedder)
        times[name] = time.perf_counter() - t0
        print(f"{name:<12} {len(queries)} queries, {args.mode}: {times[name]:.1f} s", flush=True)
    baseline = (times["naive"] + times["naive again"]) / 2
    print(f"speed-up: {baseline / times['qa']:.1f}x over the naive loop "
          f"({len(index.documents)} documents, {index.n_chunks} passages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
