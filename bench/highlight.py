"""How often the highlighted words of an answer are the answer: ``qa.reader.highlight.answer_span`` on the
sentence that holds a gold answer.

Usage: ``.venv/bin/python -m bench.highlight``

The citation always covers a whole sentence; inside it, the extractor highlights the value of the
type the question asks for (a date, a number, a name). This measures that choice alone, apart from
retrieval and sentence choice: for every question whose wording asks for a typed value, the
sentence that holds the gold answer is given to ``answer_span``: in SQuAD v1.1 (public half) the
sentence at the answer's own offset, in the project's question sets (which give no offsets) the
first sentence of the relevant article that contains a gold answer; and the highlight counts as
right when it contains a gold answer or lies inside one (at least 3 characters). No model is loaded;
it runs in seconds.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import bench.common  # noqa: F401  (paths, offline environment)
from bench.common import DATA_DIR, ROOT

from qa.ingest.chunk import split_sentences
from qa.reader.kinds import expected_type
from qa.reader.highlight import answer_span


def gold_sentence(text: str, answers: list[str], at: int | None = None) -> str | None:
    """The sentence of ``text`` holding the answer that starts at offset ``at``; without an offset,
    the first sentence that contains one of ``answers`` (ignoring case). A short answer ("three")
    often occurs earlier in the text than where it answers the question."""
    for s, e in split_sentences(text):
        sentence = text[s:e]
        if at is not None:
            if s <= at < e:
                return sentence
        elif any(a.lower() in sentence.lower() for a in answers):
            return sentence
    return None


def highlight_is_right(question: str, sentence: str, answers: list[str]) -> bool:
    span = answer_span(question, sentence)
    if span is None:
        return False
    lit = sentence[span[0]:span[1]].lower()
    return any(a.lower() in lit or (len(lit) >= 3 and lit in a.lower()) for a in answers)


def measure(items) -> tuple[Counter, Counter]:
    """(right, asked) counts by expected type over (question, text, answers, answer offset or
    None) items."""
    right, asked = Counter(), Counter()
    for question, text, answers, at in items:
        kind = expected_type(question)
        sentence = gold_sentence(text, answers, at) if kind else None
        if sentence is None:
            continue
        asked[kind] += 1
        right[kind] += highlight_is_right(question, sentence, answers)
    return right, asked


def squad_items():
    path = DATA_DIR / "squad" / "dev-v1.1-public.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                yield (qa["question"], paragraph["context"], [a["text"] for a in qa["answers"]],
                       qa["answers"][0]["answer_start"])


def own_items(path):
    docs = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "corpus").glob("*.txt")}
    for line in path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("answerable", True):
            for doc_id in q["relevant_docs"]:
                yield q["question"], docs[doc_id], q["answers"], None


def main() -> int:
    sets = [("SQuAD v1.1 (public half)", squad_items()),
            ("eval/corpus_qa.jsonl", own_items(ROOT / "eval" / "corpus_qa.jsonl")),
            ("eval/corpus_qa_blind.jsonl", own_items(ROOT / "eval" / "corpus_qa_blind.jsonl"))]
    print("| set | date | number | name | all |")
    print("|---|---:|---:|---:|---:|")
    for name, items in sets:
        if items is None:
            print(f"| {name} | skipped: data not found | | | |")
            continue
        right, asked = measure(items)
        cells = [f"{right[k] / asked[k]:.3f} ({right[k]}/{asked[k]})" if asked[k] else "-"
                 for k in ("date", "number", "name")]
        total = sum(asked.values())
        print(f"| {name} | {' | '.join(cells)} | {sum(right.values()) / max(total, 1):.3f} "
              f"({sum(right.values())}/{total}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
