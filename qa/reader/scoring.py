"""How well a sentence answers a question: IDF-weighted coverage of the question's terms, the dense
cosine and the passage's retrieval rank, mixed by the weights in ``qa.config.ExtractConfig``
(pure functions over arrays), and ``score_candidates``, which scores every sentence of the
retrieved passages.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from qa.config import ExtractConfig
from qa.index.lexical import document_frequencies
from qa.index.vocabulary import index_vocabulary
from qa.lexicon.terms import analyze
from qa.reader.candidate import Candidate
from qa.reader.context import is_heading, leans_back
from qa.reader.highlight import answer_span
from qa.reader.kinds import asks_for_code, expected_type
from qa.types import Hit


def term_weights(terms: Sequence[str], df: dict[str, int], n_docs: int) -> dict[str, float]:
    """BM25-style IDF of each distinct term; terms the corpus never uses get the maximum IDF."""
    out = {}
    for t in dict.fromkeys(terms):
        d = df.get(t, 0)
        out[t] = math.log(1.0 + (n_docs - d + 0.5) / (d + 0.5))
    return out

def coverage(question_weights: dict[str, float], sentence_terms: set[str]) -> float:
    """IDF-weighted fraction of the question's content terms that the sentence contains (0..1)."""
    total = sum(question_weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in question_weights.items() if t in sentence_terms) / total

def combine_scores(dense: np.ndarray, lexical: np.ndarray, passage: np.ndarray,
                   config: ExtractConfig) -> np.ndarray:
    """The sentence score before answer-type and echo adjustments: a weighted sum of dense
    cosine, term coverage and passage prior."""
    return config.w_dense * dense + config.w_lexical * lexical + config.w_passage * passage

def _document_frequencies(index) -> tuple[dict[str, int], int]:
    """Per-term passage frequency of the index's lexical side, and the number of passages."""
    return document_frequencies(index)

#: A term that is a number or a month: a sentence that adds one to the question's words ("Within
#: just six months, 01.AI unveiled a new version ...") gives a value, whatever else it repeats.
#: Terms are lower-cased, so "may" and "march", more often verbs, are left out.
_NEW_VALUE = re.compile(r"\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelv|"
                       r"twenti|thirti|forti|fifti|hundr|thousand|million|billion|januari|februari|"
                       r"april|june|juli|august|septemb|octob|novemb|decemb")

def score_candidates(question: str, query_vector: np.ndarray, hits: Sequence[Hit], index,
                     config: ExtractConfig) -> list[Candidate]:
    """Every sentence of the retrieved passages, scored, best first (each sentence once)."""
    prior: dict[int, float] = {}
    k = max(len(hits), 1)
    # Code and program output is citable but answers only questions about code.
    code = None if asks_for_code(question) else index.code_sentences
    for hit in hits:
        p = 1.0 - (hit.rank - 1) / k
        for row in range(hit.chunk.first_sentence, hit.chunk.last_sentence):
            if code is None or not code[row]:
                prior[row] = max(prior.get(row, 0.0), p)
    if not prior:
        return []
    rows = np.fromiter(prior.keys(), dtype=np.int64)
    vectors = np.asarray(index.sentence_vectors[rows], dtype=np.float32)
    dense = vectors @ np.asarray(query_vector, dtype=np.float32)
    df, n = _document_frequencies(index)
    question_terms = index_vocabulary(index).normalize(analyze(question))
    weights = term_weights(question_terms, df, n)
    asked = set(question_terms)
    kind = expected_type(question)
    lexical = np.empty(len(rows))
    adjust = np.zeros(len(rows))
    for i, r in enumerate(rows):
        d, s, e = (int(x) for x in index.sentence_table[r])
        sentence = index.documents[d].text[s:e]
        terms = set(analyze(sentence))
        # A sentence that leans on the previous one ("It can produce ...") is read with it, and so
        # is a quotation whose speaker the previous one names (``quotes_speaker_before``).
        context_terms = terms
        if r > 0 and int(index.sentence_table[r - 1, 0]) == d:
            ps, pe = (int(x) for x in index.sentence_table[r - 1, 1:])
            previous = index.documents[d].text[ps:pe]
            if leans_back(sentence, previous):
                context_terms = terms | set(analyze(previous))
        lexical[i] = coverage(weights, context_terms)
        # An echo of the question is no answer, unless the sentence is read with the one before,
        # which then brings the new information ("These were the main determinants ...").
        new_terms = context_terms - asked
        if (context_terms and len(new_terms) / len(context_terms) < config.echo_novelty
                and not any(_NEW_VALUE.fullmatch(t) for t in new_terms)):
            adjust[i] -= config.echo_penalty
        if is_heading(sentence):
            adjust[i] -= config.heading_penalty
        if kind is not None and answer_span(question, sentence) is not None:
            adjust[i] += config.w_answer_type
    passage = np.array([prior[int(r)] for r in rows])
    scores = combine_scores(dense, lexical, passage, config) + adjust
    out = []
    for i in np.argsort(-scores, kind="stable"):
        r = int(rows[i])
        d, s, e = (int(x) for x in index.sentence_table[r])
        out.append(Candidate(r, index.documents[d].doc_id, s, e, float(scores[i]), float(dense[i]),
                             float(lexical[i]), float(passage[i])))
    return out
