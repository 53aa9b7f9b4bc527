"""Candidates for ``bench/cross_reader.py``: every question's candidate sentences (text), the shipped
linear reader's logits and labels, computed exactly as ``answer()`` computes them and cached.

Sources: the SQuAD v1.1 public half asked of the index of all its paragraphs (the index
``bench/train_reader.py`` builds, cached), and the project's own development sets
(``eval/corpus_qa.jsonl``, ``eval/corpus_qa_blind.jsonl``) on the shipped ``index/``. Never the
held-out set or the later blind rounds.
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import numpy as np

from bench import quality

ROOT = Path(__file__).resolve().parent.parent
OWN_SETS = ("eval/corpus_qa.jsonl", "eval/corpus_qa_blind.jsonl")
K = 5


def collect(questions, index_dir: Path, embedder, source: str) -> list[dict]:
    """Per (qid, question, answers, group, answerable): candidate texts, linear logits, labels."""
    from qa.answer import retrieve_passages, validate_question
    from qa.eval.evaluate import contains_answer
    from qa.index.cache import get_index
    from qa.reader.extract import read_candidates
    from qa.reader.model import load_reader_model

    model = load_reader_model()
    index = get_index(index_dir, embedder.name, check_stale=False)
    vectors = embedder.encode([q[1] for q in questions])
    out = []
    t0 = time.perf_counter()
    for n, ((qid, question, answers, group, answerable), qv) in enumerate(zip(questions, vectors)):
        text = validate_question(question)
        hits, asked, _named = retrieve_passages(text, K, index, embedder, "hybrid", qv)
        analysis, cset = read_candidates(asked, qv, hits, index, full_question=text)
        texts = [index.document(c.doc_id).text[c.start:c.end] for c in cset.candidates]
        labels = np.array([answerable and contains_answer(t, answers) for t in texts], dtype=bool)
        logits = model.score(cset.features) if len(texts) else np.zeros(0)
        out.append({"qid": qid, "source": source, "group": group, "question": text,
                    "answerable": answerable, "texts": texts, "features": cset.features.astype(np.float32),
                    "logits": np.asarray(logits, np.float64), "labels": labels,
                    "metadata": analysis.metadata_field is not None})
        if (n + 1) % 1000 == 0:
            print(f"    {source}: {n + 1}/{len(questions)} in {time.perf_counter() - t0:.0f}s", flush=True)
    return out


def build(cache: Path) -> list[dict]:
    from qa.config import default_index_dir
    from qa.embed import default_embedder
    from qa.eval.evaluate import load_questions

    embedder = quality.MemoEmbedder(default_embedder())
    docs, questions, _ = quality.load_squad(quality.DATA_DIR / "squad" / "dev-v1.1-public.json", None)
    full, _, _ = quality.build_project_index(docs, cache, "squad", embedder)
    data = collect([(q.qid, q.question, q.answers, f"squad-{q.article}", True) for q in questions],
                   full, embedder, "squad")
    for name in OWN_SETS:
        qs = load_questions(ROOT / name)
        data += collect([(q.id, q.question, q.answers, name, q.answerable) for q in qs],
                        default_index_dir(), embedder, "own")
    return data


def load_or_build(cache: Path, out: Path, refresh: bool = False) -> list[dict]:
    if out.is_file() and not refresh:
        with out.open("rb") as fh:
            return pickle.load(fh)
    data = build(cache)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        pickle.dump(data, fh)
    return data


if __name__ == "__main__":
    t0 = time.perf_counter()
    d = load_or_build(quality.DEFAULT_CACHE, Path("/tmp/qa-cross/candidates.pkl"))
    print(f"{len(d)} questions, {sum(len(x['texts']) for x in d)} candidates, "
          f"{time.perf_counter() - t0:.0f}s")
