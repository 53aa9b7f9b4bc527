"""Pick, inside retrieved passages, the sentence that answers; cite it and every source that agrees.

A sentence's score mixes three kinds of evidence (weights in ``qa.config.ExtractConfig``):
its dense cosine with the question, how much of the question's content (IDF-weighted stemmed terms)
it covers, and the retrieval rank of its passage. The answer abstains when the best score is under
the threshold. Scoring and selection are pure functions over arrays; ``extract`` wires them to an
index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection, Sequence

import numpy as np

from qa.config import ExtractConfig
from qa.index.vocabulary import index_vocabulary
from qa.reader.candidate import Candidate
from qa.reader.context import cite
from qa.reader.corroborate import (
    KIND_NAMES,
    QUANTITIES,
    CitedSpans,
    find_corroboration,
    find_rival,
)
from qa.reader.kinds import (
    asked_role,
    counted_action,
    counted_noun,
    expected_type,
    value_kind,
)
from qa.reader.metadata_answers import (
    metadata_answer,
    quoted_by,
    source_names,
    states_metadata,
)
from qa.reader.metadata_questions import (
    metadata_question,
    names_other_work,
    quotes_other_title,
    quotes_title,
)
from qa.reader.names import (
    asked_names,
    expand_acronyms,
    suggest,
    uncounted,
    unknown_names,
    unmentioned_in_document,
    without_document_references,
)
from qa.reader.naming import asked_class, introduces_unnamed
from qa.reader.scoring import score_candidates
from qa.reader.states import states_role, states_value
from qa.reader.values import values_disagree
from qa.types import Citation, Hit


@dataclass(frozen=True)
class Extraction:
    """What the extractor decided: the answer spans (empty when abstaining) and why."""

    abstained: bool
    answer: tuple[Citation, ...]
    corroborating: tuple[Citation, ...]
    alternatives: tuple[Citation, ...]
    best: Candidate | None
    confidence: float
    reason: str
    #: The question with the names it misspells written as the corpus writes them, when every
    #: unknown name has such a spelling ("Kuaishu" -> "Kuaishou"); else "".
    suggestion: str = ""


# --- pure scoring --------------------------------------------------------------------------------


# --- wiring to an index --------------------------------------------------------------------------


def extract(question: str, query_vector: np.ndarray, hits: Sequence[Hit], index,
            config: ExtractConfig, threshold: float | None = None,
            full_question: str | None = None, named: Collection[str] = ()) -> Extraction:
    """Choose the answer sentence among the passages in ``hits``, or abstain.

    ``full_question`` is the question as asked when ``question`` is a shortened form of it used
    for scoring (``named_sources``); it decides whether the question asks for a document's
    metadata (default: ``question``). ``named`` are the documents the question names by their
    outlet or quoted title (``named_sources``, ``titled_sources``).
    """
    threshold = config.abstain_threshold if threshold is None else threshold
    vocabulary = index_vocabulary(index)
    read = [index.document(h.chunk.doc_id).text[h.chunk.start:h.chunk.end] for h in hits]
    scored = score_candidates(expand_acronyms(without_document_references(question), vocabulary, read),
                              query_vector, hits, index, config)
    asked = full_question or question
    candidates = [c for c in scored if not states_metadata(index, c)
                  and not quoted_by(asked, index.document(c.doc_id).text[c.start:c.end])]
    if not candidates:
        return Extraction(True, (), (), (), None, 0.0, "no passage was retrieved")
    best = candidates[0]
    alternatives = tuple(cite(index, c.doc_id, c.start, c.end, c.score, "alternative")
                         for c in candidates[:3])
    unknown = unknown_names(question, vocabulary, read)
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        near = [c.quote for c in alternatives]
        guesses = [(u, g) for u in unknown if (g := suggest(u, vocabulary, near)) is not None]
        hint = "".join(f" (did you mean {g!r} for {u!r}?)" if len(unknown) > 1 else f" (did you mean {g!r}?)"
                       for u, g in guesses)
        suggestion = ""
        if guesses and len(guesses) == len(unknown):
            suggestion = asked
            for u, g in guesses:
                suggestion = re.sub(rf"(?<![\w.-]){re.escape(u)}(?![\w-])", lambda _m, g=g: g, suggestion, count=1)
        return Extraction(True, (), (), alternatives, best, best.score,
                          f"the corpus never mentions {names}{hint}", suggestion)
    counted = uncounted(question, read)
    if counted:
        return Extraction(True, (), (), alternatives, best, best.score,
                          f"the question counts {counted!r}, which no passage read mentions")
    field = metadata_question(asked)
    stated = metadata_answer(index, field, asked, scored[0], hits) if field else None
    if stated is not None and (quotes_other_title(asked, stated.title) or field == "date" and names_other_work(
            asked, index.document(stated.doc_id).text, source_names(index, stated.doc_id))):
        # "When was the New York Times article titled 'China is narrowing the gap ...' published?"
        # asks about a work a document reports on, not about the document: read its text. So does
        # "When was the New York Times article that Global Times translated published?": the
        # translation has a date of its own (its author, though, is the original's).
        stated = None
    # A question that quotes the title of the document it asks about, or names its outlet ("In
    # the Global Times article, who ...?"), has identified it: the evidence is the title or the
    # outlet, not how well some sentence of the text matches the question.
    how = None
    if stated is not None and quotes_title(asked, stated.title):
        how = "the question quotes its title"
    elif stated is not None and stated.doc_id in named:
        how = "the question names it"
    spans = CitedSpans(index)
    wanted = value_kind(question) if stated is None else None
    role = asked_role(question) if stated is None and wanted is None else None
    named_class = asked_class(question) if wanted == "name" else ()
    if named_class:
        # "What is the name of Baidu's chatbot?": when the passage closest to the question speaks
        # of a chatbot without naming it ("a chatbot’s digital mouth"), the corpus most likely
        # never names it (``qa.reader.naming``).
        unnamed = introduces_unnamed(named_class, spans.text(candidates[0]))
        if unnamed is not None:
            return Extraction(True, (), (), alternatives, candidates[0], candidates[0].score,
                              f"the question asks for the name of the {unnamed}, which the best sentence "
                              f"read speaks of without naming")
    if wanted is not None or role is not None:
        # The answer must state a value of the kind asked (or who holds the role asked about):
        # the best sentence that does, if any.
        def states(c: Candidate) -> bool:
            text = spans.text(c)
            if named_class and introduces_unnamed(named_class, text) is not None:
                return False
            return states_value(wanted, text, question) if wanted is not None else states_role(*role, text)
        best = next((c for c in candidates if states(c)), None)
        if best is None:
            asked_for = (KIND_NAMES.get(wanted, "a " + wanted) if wanted is not None
                         else f"the {role[0]} of {role[1]}")
            if wanted == "number" and (action := counted_action(question)):
                asked_for = f"how many {counted_noun(question)} {' '.join(action)}"
            return Extraction(True, (), (), alternatives, candidates[0], candidates[0].score,
                              f"the question asks for {asked_for}, which no sentence read states")
    if stated is None and how is None and config.require_named_document:
        # "In what year was Kuaishou founded?" is not answered by "Wang Changhu ... founded a
        # company called AIsphere in Beijing last year" from an article that never mentions
        # Kuaishou: an answer comes from a document that names what the question is about.
        doc = index.document(best.doc_id)
        names = asked_names(question)
        if names and len(unmentioned_in_document(names, index, doc.doc_id)) == len(names):
            listed = ", ".join(repr(n) for n in names)
            return Extraction(True, (), (), alternatives, best, best.score,
                              f"the best sentence read comes from {best.doc_id}, which never mentions {listed}")
    if best.score < threshold and how is None:
        return Extraction(True, (), (), alternatives, best, best.score,
                          f"best evidence {best.score:.3f} is under the threshold {threshold:.3f}")
    if stated is not None:
        how = how or f"evidence {best.score:.3f}"
        reason = f"the question asks for the document's {field}; {stated.doc_id} states it ({how})"
        return Extraction(False, (stated,), (), alternatives, best, best.score, reason)
    start, end = spans.span(best)
    answer = (cite(index, best.doc_id, start, end, best.score, "answer", question),)
    # Second hop: search the passages with the answer sentence itself to find retellings.
    extra: list[int] = []
    vec = np.ascontiguousarray(np.asarray(index.sentence_vectors[best.row], dtype=np.float32)[None, :])
    _, chunk_rows = index.faiss_index.search(vec, min(10, index.n_chunks))
    for cr in chunk_rows[0]:
        if cr >= 0:
            _, a, b = (int(x) for x in index.chunk_table[int(cr)])
            extra.extend(range(a, b))
    agreeing = find_corroboration(index, best, candidates, config, extra, query_vector)
    # Sources that state the same fact with a different value (number, date, name) are still
    # cited, marked as disagreeing, so the reader sees both.
    kind = expected_type(question) or "number"
    best_text = index.document(best.doc_id).text[best.start:best.end]
    corroborating = tuple(
        cite(index, c.doc_id, c.start, c.end, c.score,
              "disagreement" if values_disagree(best_text, index.document(c.doc_id).text[c.start:c.end], kind)
              else "corroboration", question)
        for c in agreeing)
    if wanted in QUANTITIES:
        found = find_rival(spans, best, answer[0].quote, candidates, wanted, question,
                            {best.doc_id, *(c.doc_id for c in agreeing)}, config.rival_margin)
        if found is not None:
            rival, rival_start, rival_end = found
            corroborating += (cite(index, rival.doc_id, rival_start, rival_end, rival.score, "disagreement",
                                   question),)
    reason = (f"best sentence scored {best.score:.3f} (dense {best.dense:.3f}, "
              f"term coverage {best.lexical:.2f}, passage prior {best.passage:.2f})")
    return Extraction(False, answer, corroborating, alternatives, best, best.score, reason)
