"""Answer every SQuAD question (public half) on the full index and compare with an earlier run.

Usage: ``.venv/bin/python -m bench.squad_answers [--save RUN.json] [--compare EARLIER.json]
[--absent] [--cache-dir DIR]``

A rule about what a question asks for, or when to abstain, is checked here before it lands: every
one of the 5,397 questions is asked of the index of all 1,023 paragraphs (so each is answerable),
and the run reports answer hit@1 and false abstentions overall and by ``qa.reader.kinds.value_kind``.
With ``--absent`` the questions of the articles left out of the half index (``bench/quality.py``'s
absent-article set: the same random half of the articles is indexed) are asked of it as well, and must be
abstained on. ``--compare`` lists every question whose outcome changed against a saved run: a
rule's cost and gain, question by question. The index and corpus are the ones ``bench/quality.py``
caches, so a rerun does not embed again.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from bench import quality


def ask_all(questions, index_dir: Path, embedder, expect_answer: bool) -> dict[str, dict]:
    """One row per question: abstained, hit (a gold string in the answer), answer, kind."""
    from qa.answer import answer
    from qa.eval.evaluate import contains_answer
    from qa.reader.kinds import value_kind

    rows = {}
    vectors = embedder.encode([q.question for q in questions])
    for q, qv in zip(questions, vectors):
        a = answer(q.question, index_dir=index_dir, embedder=embedder, query_vector=qv, check_stale=False)
        rows[q.qid] = {
            "question": q.question,
            "answerable": expect_answer,
            "kind": value_kind(q.question) or "-",
            "abstained": a.abstained,
            "hit": (not a.abstained) and contains_answer(a.text, q.answers),
            "answer": "" if a.abstained else a.text,
            "reason": a.reason,
        }
    return rows


def summary(rows: dict[str, dict]) -> str:
    """Per kind: questions, right answers, abstentions (false ones for answerable questions)."""
    by_kind: dict[str, Counter] = {}
    for r in rows.values():
        for key in ("all", r["kind"]):
            c = by_kind.setdefault(key, Counter())
            c["n"] += 1
            c["hit"] += r["hit"]
            c["abstained"] += r["abstained"]
    lines = [f"{'kind':<16}{'questions':>10}{'right':>8}{'abstained':>11}"]
    for kind, c in sorted(by_kind.items(), key=lambda kv: (kv[0] != "all", -kv[1]["n"])):
        lines.append(f"{kind:<16}{c['n']:>10}{c['hit']:>8}{c['abstained']:>11}")
    return "\n".join(lines)


def compare(rows: dict[str, dict], earlier: dict[str, dict]) -> str:
    """Every question whose outcome (right / wrong / abstained) changed, and the totals."""
    def outcome(r: dict) -> str:
        return "abstained" if r["abstained"] else ("right" if r["hit"] else "wrong")

    moves: Counter = Counter()
    lines = []
    for qid, r in rows.items():
        e = earlier.get(qid)
        if e is None or outcome(e) == outcome(r):
            continue
        move = f"{'answerable' if r['answerable'] else 'absent'}: {outcome(e)} -> {outcome(r)}"
        moves[move] += 1
        lines.append(f"  [{move}] {r['question']}\n      now: {r['answer'][:160] or r['reason'][:160]}")
    head = [f"{n:>5}  {m}" for m, n in moves.most_common()] or ["  no outcome changed"]
    return "\n".join(head + lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=quality.DEFAULT_CACHE / "full")
    parser.add_argument("--absent", action="store_true", help="also ask the absent articles' questions")
    parser.add_argument("--save", type=Path, help="write the per-question rows as JSON")
    parser.add_argument("--compare", type=Path, help="a saved run to compare with")
    args = parser.parse_args(argv)
    path = quality.DATA_DIR / "squad" / "dev-v1.1-public.json"
    if not path.exists():
        print(f"{path} not found: nothing to measure")
        return 0

    from qa.embed import default_embedder

    embedder = quality.MemoEmbedder(default_embedder())
    docs, questions, by_article = quality.load_squad(path, None)
    t0 = time.perf_counter()
    index_dir, _, _ = quality.build_project_index(docs, args.cache_dir, "squad", embedder)
    rows = ask_all(questions, index_dir, embedder, expect_answer=True)
    if args.absent:
        # The same half of the articles as bench/quality.py (and so its cached index).
        articles = sorted(by_article)
        random.Random(quality.SEED).shuffle(articles)
        indexed = set(articles[:len(articles) // 2])
        half_docs = {d: docs[d] for a in sorted(indexed) for d in by_article[a]}
        half_index, _, _ = quality.build_project_index(half_docs, args.cache_dir, "squad-half", embedder)
        absent = [q for q in questions if q.article not in indexed]
        rows.update({f"absent-{k}": v for k, v in
                     ask_all(absent, half_index, embedder, expect_answer=False).items()})
    print(f"{len(rows)} questions in {time.perf_counter() - t0:.0f} s")
    print("answerable questions (full index):")
    print(summary({k: v for k, v in rows.items() if v["answerable"]}))
    if args.absent:
        print("questions of absent articles (half index; every one should be abstained):")
        print(summary({k: v for k, v in rows.items() if not v["answerable"]}))
    if args.compare:
        print(compare(rows, json.loads(args.compare.read_text(encoding="utf-8"))))
    if args.save:
        args.save.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
