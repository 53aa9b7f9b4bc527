"""Reciprocal-rank fusion against a convex score mix, on public data and on ours, in one run.

Usage: ``.venv/bin/python -m bench.fusion [--questions 1500]``

The hybrid retriever fuses the dense and BM25 candidate lists either by reciprocal rank
(``qa.retrieve.fusion.reciprocal_rank_fusion``, k=60) or by a convex mix of min-max-normalised scores
(``qa.retrieve.fusion.convex_fusion``, weight ``alpha`` on the dense side). This script measures both on
the indexes ``bench/quality.py`` keeps in its cache (SQuAD paragraphs; the SciFact abstracts it
indexed) and on the shipped corpus, with the same embedder and the same extractor, so that the
default is chosen by measurement. SQuAD questions are those ``bench/quality.py`` does not sample.
Run ``make bench-quality`` first: the indexes are read as they are (not rebuilt).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from bench import quality

VARIANTS = (("rrf", None), ("convex", 0.3), ("convex", 0.5), ("convex", 0.7))


def evaluate(index_dir: Path, questions: list[dict], embedder, with_answers: bool) -> dict[str, dict]:
    """Per variant: recall@1, MRR@10, nDCG@10 of documents and (optionally) answer hit@1."""
    from ir_measures import RR, R, nDCG

    from qa.index.cache import get_index
    from qa.config import DEFAULT_SETTINGS
    from qa.eval.evaluate import contains_answer, ranked_documents
    from qa.reader.extract import extract
    from qa.retrieve.retrievers import HybridRetriever

    index = get_index(index_dir, embedder.name, check_stale=False)
    vectors = embedder.encode([q["question"] for q in questions])
    qrels = {q["id"]: {d: int(g) for d, g in q["relevant"].items()} for q in questions}
    names = {R @ 1: "recall@1", RR @ 10: "mrr@10", nDCG @ 10: "ndcg@10"}
    out = {}
    for fusion, alpha in VARIANTS:
        retriever = HybridRetriever(index, embedder, fusion=fusion, alpha=alpha or 0.5)
        run, hits_at_1 = {}, 0
        for q, qv in zip(questions, vectors):
            hits = retriever.search(q["question"], 50, vector=qv)
            run[q["id"]] = quality.ranked_run(ranked_documents(hits)[:10])
            if with_answers:
                result = extract(q["question"], qv, hits[:5], index, DEFAULT_SETTINGS.extract, threshold=-1e9)
                text = " ".join(c.quote for c in result.answer)
                hits_at_1 += contains_answer(text, q["answers"])
        row = quality.measure(qrels, run, names)
        if with_answers:
            row["answer_hit@1"] = hits_at_1 / len(questions)
        out[fusion if alpha is None else f"convex a={alpha}"] = row
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1500)
    parser.add_argument("--cache-dir", type=Path, default=quality.DEFAULT_CACHE / "full")
    args = parser.parse_args()
    from qa.embed import default_embedder

    embedder = default_embedder()
    results = {}
    squad_path = quality.DATA_DIR / "squad" / "dev-v1.1-public.json"
    squad_dirs = sorted(args.cache_dir.glob("squad-[0-9a-f]*/index"))
    if squad_path.exists() and squad_dirs:
        _, questions, _ = quality.load_squad(squad_path, None)
        sample = quality.tuning_questions(questions, args.questions)
        rows = [{"id": q.qid, "question": q.question, "answers": q.answers, "relevant": {q.doc_id: 1}}
                for q in sample]
        results[f"SQuAD ({len(rows)} questions)"] = evaluate(squad_dirs[0], rows, embedder, True)
    else:
        print("SQuAD: no data or no cached index (run make bench-quality); skipped")
    scifact_dirs = sorted(args.cache_dir.glob("scifact-*/index"))
    if scifact_dirs and (quality.DATA_DIR / "scifact").exists():
        _, queries, qrels = quality.load_scifact(quality.DATA_DIR / "scifact")
        indexed = {p.stem for p in (scifact_dirs[0].parent / "corpus").glob("*.txt")}
        rows = [{"id": q, "question": queries[q], "answers": (), "relevant": rel}
                for q, rel in qrels.items() if set(rel) <= indexed]
        results[f"SciFact ({len(rows)} claims, {len(indexed)} abstracts)"] = evaluate(
            scifact_dirs[0], rows, embedder, False)
    own = [json.loads(line) for line in open(ROOT / "eval" / "corpus_qa.jsonl", encoding="utf-8")]
    rows = [{"id": q["id"], "question": q["question"], "answers": q["answers"],
             "relevant": {d: 1 for d in q["relevant_docs"]}} for q in own if q.get("answerable", True)]
    results[f"own set ({len(rows)} answerable)"] = evaluate(ROOT / "index", rows, embedder, True)
    for name, table in results.items():
        print(f"\n{name}")
        metrics = list(next(iter(table.values())))
        print(f"  {'variant':<14}" + "".join(f"{m:>14}" for m in metrics))
        for variant, row in table.items():
            print(f"  {variant:<14}" + "".join(f"{row[m]:>14.3f}" for m in metrics))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
