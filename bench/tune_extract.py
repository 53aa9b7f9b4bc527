"""Fit the sentence-scoring weights of ``qa.config.ExtractConfig`` on public data, check them on ours.

Usage: ``.venv/bin/python -m bench.tune_extract [--questions 1500] [--cache-dir DIR]``

The weights (dense cosine, question-term coverage, passage prior, answer-type bonus, and a length
damping of the coverage) decide which sentence of the retrieved passages is returned. Fitting them
on the project's own questions would tune the product to 89 questions; instead they are chosen on
SQuAD v1.1 questions that ``bench/quality.py`` does not sample (so its reported figures stay
held out), and the project's own set is only reported, as a check. For each question the
retrieved passages and every candidate sentence's evidence are computed once with the library's
own functions; the grid then only re-weights those numbers.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from bench import quality

GRID = {
    "w_dense": (0.45, 0.55, 0.65, 0.75),
    "w_lexical": (0.25, 0.35, 0.45, 0.55),
    "w_passage": (0.0, 0.05, 0.10, 0.20),
    "w_answer_type": (0.0, 0.03, 0.06, 0.10),
    "length_damping": (0.0, 0.25, 0.5),
}


def features(questions, index_dir: Path, embedder, k: int = 5):
    """Per question: an array of candidate evidence (dense, lexical, passage, type, echo, length
    ratio) and which candidates contain a gold answer."""
    from qa.index.cache import get_index
    from qa.config import DEFAULT_SETTINGS
    from qa.eval.evaluate import contains_answer
    from qa.reader.scoring import score_candidates
    from qa.retrieve.retrievers import make_retriever
    from qa.reader.kinds import expected_type
    from qa.reader.highlight import answer_span
    from qa.lexicon.terms import analyze

    cfg = DEFAULT_SETTINGS.extract
    index = get_index(index_dir, embedder.name, check_stale=False)
    retriever = make_retriever("hybrid", index, embedder)
    vectors = embedder.encode([q["question"] for q in questions])
    out = []
    for q, qv in zip(questions, vectors):
        hits = retriever.search(q["question"], k, vector=qv)
        cands = score_candidates(q["question"], qv, hits, index, cfg)
        if not cands:
            continue
        asked = set(analyze(q["question"]))
        kind = expected_type(q["question"])
        rows, gold = [], []
        for c in cands:
            sentence = index.document(c.doc_id).text[c.start:c.end]
            terms = set(analyze(sentence))
            typed = float(kind is not None and answer_span(q["question"], sentence) is not None)
            echo = float(bool(terms) and len(terms - asked) / len(terms) < cfg.echo_novelty)
            rows.append((c.dense, c.lexical, c.passage, typed, echo, len(sentence)))
            gold.append(contains_answer(sentence, q["answers"]))
        arr = np.array(rows, dtype=np.float64)
        arr[:, 5] = arr[:, 5] / 150.0  # length in units of a typical sentence
        out.append((arr, np.array(gold)))
    return out


def hit_rate(data, w_dense, w_lexical, w_passage, w_answer_type, length_damping, echo_penalty=0.15):
    hits = 0
    for arr, gold in data:
        damp = np.maximum(arr[:, 5], 1.0) ** -length_damping
        score = (w_dense * arr[:, 0] + w_lexical * arr[:, 1] * damp + w_passage * arr[:, 2]
                 + w_answer_type * arr[:, 3] - echo_penalty * arr[:, 4])
        hits += bool(gold[int(np.argmax(score))])
    return hits / max(len(data), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1500)
    parser.add_argument("--cache-dir", type=Path, default=quality.DEFAULT_CACHE / "full")
    args = parser.parse_args()
    from qa.config import DEFAULT_SETTINGS
    from qa.embed import default_embedder

    path = quality.DATA_DIR / "squad" / "dev-v1.1-public.json"
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    embedder = default_embedder()
    docs, questions, _ = quality.load_squad(path, None)
    tune = quality.tuning_questions(questions, args.questions)
    index_dir, _, _ = quality.build_project_index(docs, args.cache_dir, "squad", embedder)
    t0 = time.perf_counter()
    squad = features([{"question": q.question, "answers": q.answers} for q in tune], index_dir, embedder)
    own_questions = [json.loads(line) for line in open(ROOT / "eval" / "corpus_qa.jsonl", encoding="utf-8")]
    own = features([q for q in own_questions if q.get("answerable", True)], ROOT / "index", embedder)
    print(f"evidence of {len(squad)} SQuAD and {len(own)} own questions in {time.perf_counter() - t0:.0f} s")
    for name, data in (("SQuAD", squad), ("own", own)):
        print(f"{name}: the library's own choice (qa.reader.scoring.score_candidates) holds a gold answer for "
              f"{np.mean([bool(g[0]) for _, g in data]):.3f}")
        print(f"{name}: a candidate sentence holds a gold answer for {np.mean([g.any() for _, g in data]):.3f} "
              "of the questions (the ceiling of any re-weighting)")
    cfg = DEFAULT_SETTINGS.extract
    current = dict(w_dense=cfg.w_dense, w_lexical=cfg.w_lexical, w_passage=cfg.w_passage,
                   w_answer_type=cfg.w_answer_type, length_damping=getattr(cfg, "length_damping", 0.0))
    results = []
    for values in itertools.product(*GRID.values()):
        params = dict(zip(GRID, values))
        results.append((hit_rate(squad, **params), params))
    results.sort(key=lambda r: -r[0])
    print(f"current {current}: SQuAD hit@1 {hit_rate(squad, **current):.3f}, own {hit_rate(own, **current):.3f}")
    print("best on SQuAD (own set shown as a check, not used to choose):")
    for score, params in results[:15]:
        print(f"  SQuAD {score:.3f}  own {hit_rate(own, **params):.3f}  {params}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
