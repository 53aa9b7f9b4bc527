"""Record every answer the pipeline gives, to prove that a change of layout changed no behaviour.

Usage: ``.venv/bin/python -m bench.snapshot OUT.jsonl [--compare EARLIER.jsonl] [--quick]``

For every question of every set the project has (the own, blind and held-out sets under ``eval/``,
every SQuAD public-half question on the index of all its paragraphs, the questions of the absent
articles on the half index, and a sample of SciFact training claims on a sample of its abstracts),
one JSON line: the answer text, ``abstained``, ``reason``, ``did_you_mean``, every citation
(document, offsets, quote, score, role) and every retrieved passage. Indexes are built through the
public CLI (``qa index``) into ``$QA_BENCH_CACHE/snapshot`` and questions are asked through the
public ``answer()``, so the script itself does not depend on where anything lives inside ``qa/``.
``--compare`` prints every line that differs from an earlier run and exits 1 when any does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.common import DATA_DIR, ROOT

CACHE = Path(os.environ.get("QA_BENCH_CACHE", "/tmp/qa-bench-cache")) / "snapshot"
EVAL_SETS = ("corpus_qa.jsonl", "corpus_qa_blind.jsonl", "corpus_qa_heldout.jsonl")
SEED = 13
SCIFACT_QUERIES = 300
SCIFACT_DISTRACTORS = 700


def write_jsonl_corpus(folder: Path, docs: dict[str, str]) -> None:
    """``docs`` as one ``.jsonl`` file (id, text); left alone when unchanged, so a rerun is fresh."""
    folder.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in docs.items())
    path = folder / "docs.jsonl"
    if not path.exists() or path.read_text(encoding="utf-8") != data:
        path.write_text(data, encoding="utf-8")


def build(name: str, docs: dict[str, str]) -> Path:
    """An index of ``docs`` built by ``qa index`` (which does nothing when it is current)."""
    base = CACHE / f"{name}-{len(docs)}"
    write_jsonl_corpus(base / "corpus", docs)
    qa = Path(sys.executable).parent / "qa"
    subprocess.run([str(qa), "index", str(base / "corpus"), "--index-dir", str(base / "index")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return base / "index"


def squad(quick: bool):
    """(full docs, half docs, answerable questions, absent questions); questions as (id, text)."""
    path = DATA_DIR / "squad" / "dev-v1.1-public.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    if quick:
        data = data[:3]
    docs, by_article, questions = {}, {}, []
    for a, article in enumerate(data):
        for p, para in enumerate(article["paragraphs"]):
            doc_id = f"{a:02d}_{p:03d}"
            docs[doc_id] = para["context"].strip()
            by_article.setdefault(a, []).append(doc_id)
            questions += [(a, q["id"], q["question"].strip()) for q in para["qas"]]
    articles = sorted(by_article)
    random.Random(SEED).shuffle(articles)
    indexed = set(articles[:len(articles) // 2])
    half = {d: docs[d] for a in sorted(indexed) for d in by_article[a]}
    return (docs, half, [(i, q) for _, i, q in questions],
            [(i, q) for a, i, q in questions if a not in indexed])


def scifact(quick: bool):
    """(docs, questions): the abstracts relevant to a sample of training claims, plus distractors."""
    folder = DATA_DIR / "scifact"
    if not (folder / "corpus.jsonl").exists():
        return None
    corpus = {}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        corpus[str(row["_id"])] = f"{row.get('title', '').strip()}\n{row.get('text', '').strip()}"
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        queries[str(row["_id"])] = row["text"]
    relevant: dict[str, list[str]] = {}
    for line in (folder / "qrels" / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, _ = line.split("\t")
        if qid in queries and did in corpus:
            relevant.setdefault(qid, []).append(did)
    rng = random.Random(SEED)
    qids = sorted(relevant)
    rng.shuffle(qids)
    qids = qids[:30 if quick else SCIFACT_QUERIES]
    chosen = {d for q in qids for d in relevant[q]}
    others = sorted(set(corpus) - chosen)
    rng.shuffle(others)
    chosen |= set(others[:70 if quick else SCIFACT_DISTRACTORS])
    return {d: corpus[d] for d in sorted(chosen)}, [(q, queries[q]) for q in qids]


def record(set_name: str, qid: str, question: str, index_dir: Path, **kwargs) -> dict:
    """One question's whole observable outcome (or the error it raised)."""
    from qa import QAError, answer

    row = {"set": set_name, "id": qid, "question": question}
    try:
        a = answer(question, index_dir=index_dir, **kwargs)
    except QAError as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row
    d = a.to_dict()
    for volatile in ("timings", "seconds", "elapsed_ms"):
        d.pop(volatile, None)
    row["answer"] = d
    return row


def eval_questions(name: str) -> list[tuple[str, str, list]]:
    path = ROOT / "eval" / name
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["id"], r["question"], r.get("history") or []) for r in rows]


def snapshot(quick: bool) -> list[dict]:
    rows = []
    for name in EVAL_SETS:
        for qid, question, _ in eval_questions(name):
            rows.append(record(name, qid, question, ROOT / "index", check_stale=False))
        for mode in ("dense", "lexical"):
            for qid, question, _ in eval_questions(name)[:40]:
                rows.append(record(f"{name}:{mode}", qid, question, ROOT / "index",
                                   check_stale=False, mode=mode))
    print(f"  eval sets: {len(rows)} answers", flush=True)
    sq = squad(quick)
    if sq is None:
        print("  SQuAD not found: left out")
    else:
        full_docs, half_docs, answerable, absent = sq
        full, half = build("squad-full", full_docs), build("squad-half", half_docs)
        rows += [record("squad", i, q, full, check_stale=False) for i, q in answerable]
        rows += [record("squad-absent", i, q, half, check_stale=False) for i, q in absent]
        print(f"  SQuAD: {len(answerable)} + {len(absent)} answers", flush=True)
    sf = scifact(quick)
    if sf is None:
        print("  SciFact not found: left out")
    else:
        docs, questions = sf
        index_dir = build("scifact", docs)
        rows += [record("scifact", i, q, index_dir, check_stale=False) for i, q in questions]
        print(f"  SciFact: {len(questions)} answers", flush=True)
    return rows


def compare(rows: list[dict], earlier_path: Path) -> int:
    earlier = {(r["set"], r["id"]): r for r in map(json.loads, earlier_path.read_text().splitlines())}
    now = {(r["set"], r["id"]): json.loads(json.dumps(r)) for r in rows}
    differ = [key for key in now.keys() | earlier.keys() if now.get(key) != earlier.get(key)]
    for key in sorted(differ)[:50]:
        print(f"DIFFERS {key}:\n  before {json.dumps(earlier.get(key))[:600]}\n"
              f"  now    {json.dumps(now.get(key))[:600]}")
    print(f"{len(differ)} of {len(now)} answers differ from {earlier_path}")
    return 1 if differ else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="where to write the answers (JSON lines)")
    parser.add_argument("--compare", type=Path, help="an earlier snapshot: print what differs")
    parser.add_argument("--quick", action="store_true", help="3 SQuAD articles, 30 SciFact claims")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = snapshot(args.quick)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows),
                        encoding="utf-8")
    print(f"{len(rows)} answers in {time.perf_counter() - t0:.0f} s -> {args.out}")
    return compare(rows, args.compare) if args.compare else 0


if __name__ == "__main__":
    raise SystemExit(main())
