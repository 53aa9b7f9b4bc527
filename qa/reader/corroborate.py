"""Other documents that state the answer too, and those that give the same quantity differently
(a disagreement), found by searching the answer sentence's own vector.
"""

from __future__ import annotations

from typing import Collection, Sequence

import numpy as np

from qa.config import ExtractConfig
from qa.reader.candidate import Candidate
from qa.reader.context import with_context
from qa.reader.states import states_value
from qa.reader.highlight import YEAR
from qa.reader.values import normalize_value, quantities_disagree, values_disagree


class CitedSpans:
    """The span each candidate is cited with (``with_context``), worked out once per candidate:
    the value-kind test, the answer's citation and the search for a rival all read it."""

    def __init__(self, index):
        self.index = index
        self._spans: dict[int, tuple[int, int]] = {}

    def remember(self, spans: dict[int, tuple[int, int]]) -> None:
        """Take spans already worked out (sentence row -> span)."""
        self._spans.update(spans)

    def span(self, cand: Candidate) -> tuple[int, int]:
        if cand.row not in self._spans:
            self._spans[cand.row] = with_context(self.index, cand)
        return self._spans[cand.row]

    def text(self, cand: Candidate) -> str:
        start, end = self.span(cand)
        return self.index.document(cand.doc_id).text[start:end]

#: How a reason names a kind of value (``qa.reader.kinds.value_kind``); other kinds read "a <kind>".
KIND_NAMES = {"money": "an amount of money", "age": "an age", "day": "a date",
               "headquarters": "where it is headquartered", "description": "who the person is"}

#: Kinds of value (``qa.reader.kinds.value_kind``) that are quantities with units.
QUANTITIES = frozenset({"money", "age", "percentage", "measurement", "length of time", "number"})

def find_rival(spans: CitedSpans, best: Candidate, answer_text: str, candidates: Sequence[Candidate], wanted: str,
           question: str, cited: Collection[str], margin: float) -> tuple[Candidate, int, int] | None:
    """Another document's answer to ``question``, which asks for a quantity of kind ``wanted``,
    nearly as good as ``best`` (cited as ``answer_text``), that gives the quantity differently:
    004's "Within just six months, 01.AI ..." against 003's "01.AI had only been around for eight
    months"; with the span it is cited with. It must state the quantity as the answer had to
    (``states_value`` with the question); for an age, any length of time will do, since a
    retelling may give it as how long something took ("within six months"). Retellings that differ
    like this are seldom similar enough as wholes for ``find_corroboration`` to pair them."""
    kind = "length of time" if wanted == "age" else wanted
    for c in candidates:
        if c.doc_id in cited or best.score - c.score > margin:
            continue
        text = spans.text(c)
        if states_value(kind, text, question):
            return (c, *spans.span(c)) if quantities_disagree(answer_text, text) else None
    return None

def find_corroboration(index, best: Candidate, candidates: Sequence[Candidate], config: ExtractConfig,
                       extra_rows: Sequence[int] = (), query_vector: np.ndarray | None = None
                       ) -> list[Candidate]:
    """The best sentence of each *other* document that states the same thing as ``best``.

    Looks at the scored candidates and at ``extra_rows`` (sentences found by searching with the
    answer sentence itself); a sentence corroborates when its cosine with the answer sentence is at
    least ``config.corroboration_cosine`` and, given ``query_vector``, it is nearly as close to the
    question as the answer is (at least ``config.corroboration_relevance`` times its cosine), so a
    sentence on the same topic that answers something else is not counted as agreement.
    """
    pool = {c.row: c for c in candidates if c.doc_id != best.doc_id}
    for r in extra_rows:
        r = int(r)
        if r not in pool:
            d, s, e = (int(x) for x in index.sentence_table[r])
            doc_id = index.documents[d].doc_id
            if doc_id != best.doc_id:
                pool[r] = Candidate(r, doc_id, s, e, 0.0, 0.0, 0.0, 0.0)
    if not pool:
        return []
    rows = np.fromiter(pool.keys(), dtype=np.int64)
    anchor = np.asarray(index.sentence_vectors[best.row], dtype=np.float32)
    vectors = np.asarray(index.sentence_vectors[rows], dtype=np.float32)
    sims = vectors @ anchor
    relevant = np.ones(len(rows), dtype=bool)
    if query_vector is not None:
        q = np.asarray(query_vector, dtype=np.float32)
        relevant = vectors @ q >= config.corroboration_relevance * float(anchor @ q)
    per_doc: dict[str, tuple[float, Candidate]] = {}
    for r, sim, ok in zip(rows, sims, relevant):
        cand = pool[int(r)]
        if ok and sim >= config.corroboration_cosine and sim > per_doc.get(cand.doc_id, (-1.0, None))[0]:
            per_doc[cand.doc_id] = (float(sim), cand)
    ranked = sorted(per_doc.values(), key=lambda t: -t[0])[:config.max_corroborating]
    return [Candidate(c.row, c.doc_id, c.start, c.end, sim * best.score, c.dense, c.lexical, c.passage)
            for sim, c in ranked]


def agreement(value: str | None, answer_text: str, other: str, kind: str | None) -> str | None:
    """How a sentence of another document that reads like the answer relates to it.

    ``value`` is the answer's highlighted value of the broad ``kind`` asked ("name", "date",
    "number"), if any. With a value: "corroboration" when ``other`` states the same value (a date
    by its year, a name by one of its words), "disagreement" when it gives a different date or
    number, None when it states no such value (alike, but not the same answer). Without one (a
    "why" or "what" question): "corroboration", or "disagreement" when the two give different
    quantities.
    """
    if kind is None or not value:
        return "disagreement" if values_disagree(answer_text, other, kind or "number") else "corroboration"
    v = normalize_value(value)
    words = normalize_value(other).split()
    if kind == "date":
        years = set(YEAR.findall(value))
        if years and years & set(YEAR.findall(other)) or v and v in " ".join(words):
            return "corroboration"
    elif kind == "name":
        if any(w in words for w in v.split() if len(w) >= 3):
            return "corroboration"
        return None
    elif v and v in " ".join(words):
        return "corroboration"
    return "disagreement" if values_disagree(value, other, kind) else None
