"""What building an index with the int8 encoder costs in retrieval quality, against fp32.

    .venv/bin/python -m bench.encoders [--scifact-queries 300] [--scifact-docs 1500]

Questions are embedded in fp32 (as ``answer()`` does); passages by ONNX fp32 (the same vectors as
sentence-transformers) or ONNX int8 (``qa index``'s default). Two measurements:

- SciFact (BEIR layout, train claims): a seeded subsample of claims, every abstract relevant to
  them plus random others; each abstract (title + text) is one vector; nDCG@10 and recall@10 of
  the claims. Also the int8 questions variant (both sides int8), and the encoding throughput of
  the two precisions on these long texts (blocks of 64 abstracts, taking turns).
- The shipped corpus and ``eval/corpus_qa.jsonl`` through ``qa.evaluate.evaluate`` (what
  ``qa eval`` runs) on two indexes of ``corpus/`` built by ``build_index`` with each encoder.

The SQuAD paragraph hit@1 / hit@10 of the same comparison is in ``bench/run.py``'s table.
Writes ``bench/results/encoders.md`` and the section "int8 index encoder: quality" of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import BENCH_DOC, CORPUS_DIR, DATA_DIR, QUESTIONS_FILE, RESULTS, replace_marked_section

import numpy as np

BEGIN, END = "<!-- encoders:begin -->", "<!-- encoders:end -->"
SCIFACT = DATA_DIR / "scifact"
EVAL_METRICS = ("recall@1", "recall@5", "mrr@10", "ndcg@10", "answer_hit@1", "answer_hit@3",
                "abstention_recall", "false_abstention_rate")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_scifact(n_queries: int, n_docs: int, seed: int = 0):
    """(doc ids, doc texts, query ids, query texts, qrels) of a seeded subsample, or None."""
    if not (SCIFACT / "corpus.jsonl").exists():
        return None
    corpus, queries, qrels = {}, {}, {}
    for line in (SCIFACT / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        corpus[str(row["_id"])] = f"{row.get('title', '').strip()}\n{row.get('text', '').strip()}"
    for line in (SCIFACT / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        queries[str(row["_id"])] = row["text"]
    for line in (SCIFACT / "qrels" / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, score = line.split("\t")
        if qid in queries and did in corpus:
            qrels.setdefault(qid, {})[did] = int(score)
    rng = random.Random(seed)
    qids = rng.sample(sorted(qrels), min(n_queries, len(qrels)))
    relevant = sorted({d for q in qids for d in qrels[q]})
    others = sorted(set(corpus) - set(relevant))
    doc_ids = relevant + rng.sample(others, max(0, n_docs - len(relevant)))
    return doc_ids, [corpus[d] for d in doc_ids], qids, [queries[q] for q in qids], {q: qrels[q] for q in qids}


def ndcg_recall_at_10(scores: np.ndarray, doc_ids, qids, qrels) -> tuple[float, float]:
    ndcg, recall = [], []
    for row, q in enumerate(qids):
        top = [doc_ids[i] for i in np.argsort(-scores[row])[:10]]
        rel = qrels[q]
        dcg = sum(rel.get(d, 0) / np.log2(r + 2) for r, d in enumerate(top))
        idcg = sum(v / np.log2(r + 2) for r, v in enumerate(sorted(rel.values(), reverse=True)[:10]))
        ndcg.append(dcg / idcg)
        recall.append(len(set(top) & set(rel)) / len(rel))
    return float(np.mean(ndcg)), float(np.mean(recall))


def bench_scifact(model_dir: Path, n_queries: int, n_docs: int) -> dict | None:
    from qa.embed.onnx import OnnxEmbedder

    loaded = load_scifact(n_queries, n_docs)
    if loaded is None:
        log(f"SciFact: {SCIFACT} is missing; skipped")
        return None
    doc_ids, texts, qids, queries, qrels = loaded
    enc = {p: OnnxEmbedder(model_dir, precision=p) for p in ("fp32", "int8")}
    for e in enc.values():
        e.warm_up()
    log(f"SciFact: {len(texts)} abstracts, {len(qids)} claims ...")
    vecs = {p: [] for p in enc}
    spent = {p: [] for p in enc}
    block = 64
    for b, start in enumerate(range(0, len(texts), block)):
        for p in (("fp32", "int8") if b % 2 == 0 else ("int8", "fp32")):
            t0 = time.perf_counter()
            vecs[p].append(enc[p].encode(texts[start:start + block]))
            spent[p].append(time.perf_counter() - t0)
        log(f"  block {b + 1}/{-(-len(texts) // block)}")
    docs = {p: np.concatenate(v) for p, v in vecs.items()}
    q = {p: enc[p].encode(queries) for p in enc}
    out = {"docs": len(texts), "queries": len(qids), "relevant": len({d for r in qrels.values() for d in r}),
           "tokens": int(sum(enc["fp32"].token_counts(texts))),
           "fp32_per_s": len(texts) / sum(spent["fp32"]), "int8_per_s": len(texts) / sum(spent["int8"]),
           "int8_ratio": sum(spent["fp32"]) / sum(spent["int8"]),
           "int8_block_median": statistics.median(f / i for f, i in zip(spent["fp32"], spent["int8"]))}
    for label, qp, dp in (("fp32", "fp32", "fp32"), ("int8 passages", "fp32", "int8"),
                          ("int8 both", "int8", "int8")):
        out[label] = dict(zip(("ndcg@10", "recall@10"), ndcg_recall_at_10(q[qp] @ docs[dp].T, doc_ids, qids, qrels)))
    return out


def bench_corpus_eval(model_dir: Path) -> dict:
    from qa.index.cache import clear_cache
    from qa.embed.onnx import OnnxEmbedder
    from qa.eval.evaluate import evaluate, load_questions
    from qa.index.build import build_index

    questions = load_questions(QUESTIONS_FILE)
    query_encoder = OnnxEmbedder(model_dir)
    out = {"questions": len(questions), "answerable": sum(q.answerable for q in questions)}
    with tempfile.TemporaryDirectory(prefix="qa-encoders-") as tmp:
        for precision in ("fp32", "int8"):
            index_dir = Path(tmp) / precision
            log(f"qa eval: index of {CORPUS_DIR.name}/ built with {precision} ...")
            build_index(CORPUS_DIR, index_dir, embedder=OnnxEmbedder(model_dir, precision=precision))
            clear_cache()
            for mode in ("hybrid", "dense"):
                metrics = evaluate(questions, index_dir=index_dir, k=5, mode=mode, embedder=query_encoder).metrics
                out[f"{precision}/{mode}"] = {m: metrics[m] for m in EVAL_METRICS}
            clear_cache()
    return out


def to_markdown(sf: dict | None, ev: dict, date: str) -> str:
    lines = ["## int8 index encoder: quality", "",
             f"`bench/encoders.py` on {date}. Questions embedded in fp32 (as `answer()` does); passages by "
             "ONNX fp32 (the same vectors as sentence-transformers) or ONNX int8 (`qa index`'s default). "
             "A difference of one question is 1.1 points on the 89 answerable questions of "
             "`eval/corpus_qa.jsonl` and 4.2 points on its 24 unanswerable ones.", ""]
    if sf:
        lines += [
            f"**SciFact** ({sf['queries']} train claims, seeded; {sf['docs']} abstracts: the {sf['relevant']} "
            "relevant to them plus random others, so easier than the full corpus; one vector per abstract):", "",
            "| Passages / questions | nDCG@10 | recall@10 |", "|---|---:|---:|"]
        for label in ("fp32", "int8 passages", "int8 both"):
            name = {"fp32": "fp32 / fp32", "int8 passages": "int8 / fp32 (shipped)", "int8 both": "int8 / int8"}[label]
            lines.append(f"| {name} | {sf[label]['ndcg@10']:.4f} | {sf[label]['recall@10']:.4f} |")
        lines += ["", f"Encoding these abstracts ({sf['tokens'] / sf['docs']:.0f} tokens each on average, blocks "
                  f"of 64 taking turns): fp32 {sf['fp32_per_s']:.1f}/s, int8 {sf['int8_per_s']:.1f}/s, "
                  f"{sf['int8_ratio']:.2f}x (block median {sf['int8_block_median']:.2f}x).", ""]
    lines += [f"**Shipped corpus**, `qa.evaluate.evaluate` (what `qa eval` runs; {ev['questions']} questions, "
              f"k=5) on an index of `corpus/` built with each encoder:", "",
              "| Metric | hybrid fp32 | hybrid int8 | dense fp32 | dense int8 |", "|---|---:|---:|---:|---:|"]
    for m in EVAL_METRICS:
        lines.append(f"| {m} | " + " | ".join(f"{ev[f'{p}/{mode}'][m]:.3f}" for mode in ("hybrid", "dense")
                                            for p in ("fp32", "int8")) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact-queries", type=int, default=300)
    parser.add_argument("--scifact-docs", type=int, default=1500)
    parser.add_argument("--model-dir", type=Path, default=RESULTS / "onnx-model",
                        help="an export_onnx folder (default: the one bench/run.py exports)")
    args = parser.parse_args()
    from qa.embed.onnx import onnx_model_present

    if not onnx_model_present(args.model_dir, "int8"):
        print(f"no int8 model in {args.model_dir}: run bench/run.py (it exports one) first", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    sf = bench_scifact(args.model_dir, args.scifact_queries, args.scifact_docs)
    ev = bench_corpus_eval(args.model_dir)
    section = to_markdown(sf, ev, time.strftime("%Y-%m-%d %H:%M"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "encoders.json").write_text(json.dumps({"scifact": sf, "corpus_eval": ev}, indent=1))
    (RESULTS / "encoders.md").write_text(f"{BEGIN}\n{section}\n{END}\n", encoding="utf-8")
    replace_marked_section(BENCH_DOC, BEGIN, END, f"{BEGIN}\n{section}\n{END}", "# Benchmarks")
    print(section)
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
