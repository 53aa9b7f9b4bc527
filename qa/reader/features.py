"""Turn (question, candidate sentence) pairs into feature vectors for the fitted reader.

Every sentence of the retrieved passages is a candidate. Its features (``FEATURES``, in order) are
the evidence the hand-set score and the rule cascade used to weigh, now weighed by fitted
weights (``qa.reader.model``): dense similarity of the sentence and of its neighbourhood, lexical
coverage of the question's IDF-weighted terms and bigrams, whether it adds anything to the
question, whether it states a value of the kind asked, heading and position signals, retrieval
rank, whether its document names what the question is about, and whether other documents say
the same. ``QUESTION_FEATURES`` describe the question's best candidate for the answerability model.
Everything here is a pure function of the index's arrays and texts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from qa.lexicon.terms import analyze
from qa.reader.analysis import QuestionAnalysis
from qa.reader.candidate import Candidate
from qa.reader.context import is_heading, leans_back, with_context
from qa.reader.highlight import answer_span
from qa.reader.names import unmentioned_in_document
from qa.reader.naming import introduces_unnamed
from qa.reader.scoring import NEW_VALUE, coverage
from qa.reader.states import states_role, states_value
from qa.types import Hit

FEATURES = (
    "dense",             # cosine of question and sentence
    "dense_context",     # cosine of question and the mean of the sentence and its two neighbours
    "dense_gap",         # dense minus the best dense among the candidates (<= 0)
    "passage_dense",     # cosine of question and the mean of the sentence's passage (its best passage)
    "passage_dense_gap", # passage_dense minus the best among the candidates (<= 0)
    "coverage",          # IDF-weighted share of the question's terms in the sentence
    "coverage_context",  # the same, reading a sentence that leans back with the one before
    "coverage_gap",      # coverage_context minus the best among the candidates (<= 0)
    "attribute_coverage",  # coverage_context of the question's terms that are not names
    "name_coverage",     # coverage_context of the terms of the question's names (1 when it names nothing)
    "missing_max",       # the heaviest question term the sentence (with context) lacks, over the heaviest
    "bigrams",           # share of the question's adjacent term pairs in the sentence
    "leans_back",        # read with the sentence before it (starts with a pronoun, carries on a quote)
    "novelty",           # share of the sentence's terms the question does not use
    "new_value",         # the sentence adds a number or month to the question's words
    "heading",           # a heading, not a statement
    "answer_type",       # holds a value of the broad type asked (name/date/number) the question lacks
    "states_kind",       # states a value of the narrow kind asked, or who holds the role asked
    "kind_missing",      # the question asks for a kind and this sentence does not state it
    "passage_prior",     # 1 for the first retrieved passage, falling linearly with rank
    "position",          # 1 / (1 + index of the sentence in its document)
    "length",            # log of the number of content terms
    "names_absent",      # share of the question's names that the sentence's document never mentions
    "unnamed_class",     # speaks of the thing whose name is asked without naming it
    "agreement",         # other documents with a near-identical sentence among the candidates (log1p)
)

QUESTION_FEATURES = (
    "top_logit",         # the best candidate's fitted score
    "margin",            # its lead over the second best (capped at 5)
    "top_dense",
    "top_coverage",
    "max_coverage",      # best coverage among all candidates
    "top_attribute_coverage",
    "unknown_names",     # the question uses a name the corpus never does
    "uncounted",         # a "how many" question counts something no passage read mentions
    "kind_unstated",     # a kind is asked and no candidate states it
    "top_names_absent",
    "top_unnamed_class",
    "asks_kind",
    "question_terms",    # log1p of the number of content terms of the question
    "unseen_terms",      # IDF-weighted share of the question's terms that no passage of the corpus holds
    "align_mean",        # the best candidate's token alignment (``qa.reader.alignment``): mean best cosine
    "align_min",         # ... the least best cosine of a question word piece
    "align_unmatched",   # ... the mean over the question's word pieces the sentence lacks verbatim
)
#: The alignment features: unknown (NaN, weighed as their training mean) without token vectors.
ALIGNMENT_FEATURES = tuple(name for name in QUESTION_FEATURES if name.startswith("align_"))

#: Two sentences of different documents at least this similar state the same thing (agreement).
_AGREE_COSINE = 0.8


@dataclass(frozen=True)
class CandidateSet:
    """The candidates of one question: each ``Candidate`` (score still 0), the span each is cited
    with, and the feature matrix (row i = candidate i, columns = ``FEATURES``)."""

    candidates: tuple[Candidate, ...]
    spans: tuple[tuple[int, int], ...]
    features: np.ndarray
    #: Where a sentence read asks the question itself ("How do I create an AUTOINCREMENT field?"
    #: as a FAQ's heading): (doc id, the end of that sentence), best match first.
    echoes: tuple[tuple[str, int], ...] = ()

    def column(self, name: str) -> np.ndarray:
        return self.features[:, FEATURES.index(name)]


def _bigrams(terms: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(terms, terms[1:]))


def candidate_features(analysis: QuestionAnalysis, query_vector: np.ndarray, hits: Sequence[Hit],
                       index) -> CandidateSet:
    """Every sentence of the passages in ``hits`` (once each, in passage order) with its features."""
    prior: dict[int, float] = {}
    passage: dict[int, float] = {}
    k = max(len(hits), 1)
    q = np.asarray(query_vector, dtype=np.float32)
    # Code and program output is citable but answers only questions about code.
    code = None if analysis.asks_code else index.code_sentences
    for hit in hits:
        p = 1.0 - (hit.rank - 1) / k
        members = range(hit.chunk.first_sentence, hit.chunk.last_sentence)
        mean = np.asarray(index.sentence_vectors[np.arange(members.start, members.stop)],
                          dtype=np.float32).mean(axis=0)
        cosine = float(mean @ q) / max(float(np.linalg.norm(mean)), 1e-6)
        for row in members:
            if code is None or not code[row]:
                prior[row] = max(prior.get(row, 0.0), p)
                passage[row] = max(passage.get(row, -1.0), cosine)
    if not prior:
        return CandidateSet((), (), np.zeros((0, len(FEATURES)), dtype=np.float32))
    rows = np.fromiter(prior.keys(), dtype=np.int64)
    table = index.sentence_table
    n_rows = table.shape[0]
    vectors = np.asarray(index.sentence_vectors[rows], dtype=np.float32)
    dense = vectors @ q
    # Neighbourhood: the sentence with the one before and after it in the same document.
    window = vectors.copy()
    for offset in (-1, 1):
        near = np.clip(rows + offset, 0, n_rows - 1)
        same = (table[near, 0] == table[rows, 0]) & (near != rows)
        window += np.asarray(index.sentence_vectors[near], dtype=np.float32) * same[:, None]
    norms = np.linalg.norm(window, axis=1)
    dense_context = (window @ q) / np.maximum(norms, 1e-6)

    weights = analysis.term_weights
    asked_terms = set(analysis.terms)
    heaviest = max(weights.values(), default=0.0)
    attribute_weights = {t: w for t, w in weights.items() if t not in analysis.name_terms}
    name_weights = {t: w for t, w in weights.items() if t in analysis.name_terms}
    asked_bigrams = _bigrams(list(analysis.terms))
    n = len(rows)
    f = np.zeros((n, len(FEATURES)), dtype=np.float32)
    col = {name: i for i, name in enumerate(FEATURES)}
    candidates, spans = [], []
    doc_names: dict[int, float] = {}
    for i, r in enumerate(rows):
        r = int(r)
        d, s, e = (int(x) for x in table[r])
        doc = index.documents[d]
        sentence = doc.text[s:e]
        terms_list = analyze(sentence)
        terms = set(terms_list)
        context_terms = terms
        if r > 0 and int(table[r - 1, 0]) == d:
            ps, pe = (int(x) for x in table[r - 1, 1:])
            if leans_back(sentence, doc.text[ps:pe]):
                context_terms = terms | set(analyze(doc.text[ps:pe]))
                f[i, col["leans_back"]] = 1.0
        span = with_context(index, Candidate(r, doc.doc_id, s, e, 0.0, float(dense[i]), 0.0, prior[r]))
        text = doc.text[span[0]:span[1]]
        new_terms = context_terms - asked_terms
        f[i, col["coverage"]] = coverage(weights, terms)
        f[i, col["coverage_context"]] = cov = coverage(weights, context_terms)
        f[i, col["attribute_coverage"]] = coverage(attribute_weights, context_terms)
        f[i, col["name_coverage"]] = coverage(name_weights, context_terms) if name_weights else 1.0
        missing = [w for t, w in weights.items() if t not in context_terms]
        f[i, col["missing_max"]] = max(missing) / heaviest if missing and heaviest > 0 else 0.0
        f[i, col["bigrams"]] = (len(asked_bigrams & _bigrams(terms_list)) / len(asked_bigrams)
                                if asked_bigrams else 0.0)
        f[i, col["novelty"]] = len(new_terms) / len(context_terms) if context_terms else 0.0
        f[i, col["new_value"]] = float(any(NEW_VALUE.fullmatch(t) for t in new_terms))
        f[i, col["heading"]] = float(is_heading(sentence))
        f[i, col["answer_type"]] = float(analysis.answer_type is not None
                                         and answer_span(analysis.asked, sentence) is not None)
        if analysis.value_kind is not None:
            stated = states_value(analysis.value_kind, text, analysis.asked)
        elif analysis.role is not None:
            stated = states_role(*analysis.role, text)
        else:
            stated = False
        f[i, col["states_kind"]] = float(stated)
        f[i, col["kind_missing"]] = float(analysis.asks_kind and not stated)
        f[i, col["position"]] = 1.0 / (1 + r - _first_row(index, d))
        f[i, col["length"]] = math.log1p(len(terms_list))
        if d not in doc_names:
            doc_names[d] = (len(unmentioned_in_document(analysis.names, index, doc.doc_id)) / len(analysis.names)
                            if analysis.names else 0.0)
        f[i, col["names_absent"]] = doc_names[d]
        f[i, col["unnamed_class"]] = float(bool(analysis.named_class)
                                           and introduces_unnamed(analysis.named_class, text) is not None)
        f[i, col["passage_prior"]] = prior[r]
        candidates.append(Candidate(r, doc.doc_id, s, e, 0.0, float(dense[i]), float(cov), prior[r]))
        spans.append(span)
    f[:, col["dense"]] = dense
    f[:, col["dense_context"]] = dense_context
    f[:, col["dense_gap"]] = dense - dense.max()
    f[:, col["passage_dense"]] = [passage[int(r)] for r in rows]
    f[:, col["passage_dense_gap"]] = f[:, col["passage_dense"]] - f[:, col["passage_dense"]].max()
    f[:, col["coverage_gap"]] = f[:, col["coverage_context"]] - f[:, col["coverage_context"]].max()
    # Agreement: near-identical sentences of other documents among the candidates.
    sims = vectors @ vectors.T
    docs = table[rows, 0]
    other = docs[:, None] != docs[None, :]
    f[:, col["agreement"]] = np.log1p(((sims >= _AGREE_COSINE) & other).sum(axis=1))
    return CandidateSet(tuple(candidates), tuple(spans), f)


def _first_row(index, doc_row: int) -> int:
    """The sentence-table row of the first sentence of document ``doc_row`` (cached per index)."""
    def firsts() -> np.ndarray:
        table = index.sentence_table
        out = np.full(len(index.documents), -1, dtype=np.int64)
        doc_rows = np.asarray(table[:, 0], dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, doc_rows[1:] != doc_rows[:-1]])
        out[doc_rows[starts]] = starts
        return out
    return int(index.derived.get("first_sentence_rows", firsts)[doc_row])


def question_features(analysis: QuestionAnalysis, cset: CandidateSet, logits: np.ndarray,
                      align=None) -> np.ndarray:
    """The answerability model's input (``QUESTION_FEATURES``) for the best-scored candidate;
    ``align`` is its ``qa.reader.alignment.Alignment`` with the question (None: unknown)."""
    return question_vector(bool(analysis.unknown), bool(analysis.uncounted), analysis.asks_kind,
                           len(analysis.terms), analysis.unseen, cset.features, logits, align)


def question_vector(unknown: bool, uncounted: bool, asks_kind: bool, n_terms: int, unseen: float,
                    features: np.ndarray, logits: np.ndarray, align=None) -> np.ndarray:
    """``QUESTION_FEATURES`` from the question's flags, its candidates' features and logits, and
    the best candidate's alignment (the training script calls it on stored features, the reader
    on live ones)."""
    out = np.zeros(len(QUESTION_FEATURES), dtype=np.float32)
    q = {name: i for i, name in enumerate(QUESTION_FEATURES)}
    c = {name: i for i, name in enumerate(FEATURES)}
    for name, value in zip(ALIGNMENT_FEATURES, align if align is not None else (np.nan,) * len(ALIGNMENT_FEATURES)):
        out[q[name]] = value
    out[q["unknown_names"]] = float(unknown)
    out[q["uncounted"]] = float(uncounted)
    out[q["asks_kind"]] = float(asks_kind)
    out[q["question_terms"]] = math.log1p(n_terms)
    out[q["unseen_terms"]] = unseen
    if len(features) == 0:
        out[q["top_logit"]] = -10.0
        out[q["kind_unstated"]] = float(asks_kind)
        return out
    order = np.argsort(-logits, kind="stable")
    top = int(order[0])
    out[q["top_logit"]] = float(logits[top])
    out[q["margin"]] = min(5.0, float(logits[top] - logits[order[1]])) if len(order) > 1 else 5.0
    out[q["top_dense"]] = features[top, c["dense"]]
    out[q["top_coverage"]] = features[top, c["coverage_context"]]
    out[q["max_coverage"]] = features[:, c["coverage_context"]].max()
    out[q["top_attribute_coverage"]] = features[top, c["attribute_coverage"]]
    out[q["kind_unstated"]] = float(asks_kind and not features[:, c["states_kind"]].any())
    out[q["top_names_absent"]] = features[top, c["names_absent"]]
    out[q["top_unnamed_class"]] = features[top, c["unnamed_class"]]
    return out
