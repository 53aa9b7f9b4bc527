"""Pick, inside retrieved passages, the sentence that answers; cite it and every source that agrees.

Every sentence of the retrieved passages is a candidate with a feature vector
(``qa.reader.features``); the fitted scorer (``qa.reader.model``) ranks them, and the fitted
answerability model gives the probability that the best one answers. The answer abstains when
that probability is under the threshold, or when a named gate (``ExtractConfig``, each switchable,
its measured effect in docs/evaluation.md) finds the question unanswerable from what was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Collection, Sequence

import numpy as np

from qa.config import ExtractConfig
from qa.index.vocabulary import index_vocabulary
from qa.lexicon.terms import analyze
from qa.reader.analysis import QuestionAnalysis, analyze_question
from qa.reader.asking import speaks_of
from qa.reader.candidate import Candidate
from qa.reader.context import asks, cite
from qa.reader.corroborate import (
    KIND_NAMES,
    QUANTITIES,
    CitedSpans,
    agreement,
    find_corroboration,
    find_rival,
)
from qa.reader.features import ALIGNMENT_FEATURES, CandidateSet, candidate_features, question_features
from qa.reader.metadata_answers import metadata_answer, quoted_by, source_names, states_metadata
from qa.reader.metadata_questions import names_other_work, quotes_other_title, quotes_title
from qa.reader.model import ReaderModel, load_reader_model, reranked
from qa.reader.names import suggest, unmentioned_in_document, without_document_mentions
from qa.reader.naming import introduces_unnamed
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


def read_candidates(question: str, query_vector: np.ndarray, hits: Sequence[Hit], index,
                    full_question: str | None = None) -> tuple[QuestionAnalysis, CandidateSet]:
    """The question's analysis and its candidate sentences with their features. A sentence that
    only states a document's metadata ("Source: ..."), that asks a question itself (a FAQ's
    heading) or that the question quotes is no candidate."""
    read = [index.document(h.chunk.doc_id).text[h.chunk.start:h.chunk.end] for h in hits]
    analysis = analyze_question(question, index, read, asked=full_question)
    cset = candidate_features(analysis, query_vector, hits, index)
    keep, echoes = [], []
    dense, coverage = cset.column("dense"), cset.column("coverage")
    for i, c in enumerate(cset.candidates):
        text = index.document(c.doc_id).text[c.start:c.end]
        if asks(text):
            if dense[i] >= ECHO_DENSE and coverage[i] >= ECHO_COVERAGE:
                echoes.append((float(dense[i]), c.doc_id, c.end))
        elif not states_metadata(index, c) and not quoted_by(analysis.asked, text):
            keep.append(i)
    echoes = tuple((doc_id, end) for _, doc_id, end in sorted(echoes, reverse=True))
    if len(keep) < len(cset.candidates):
        cset = CandidateSet(tuple(cset.candidates[i] for i in keep), tuple(cset.spans[i] for i in keep),
                            cset.features[keep], echoes)
    return analysis, cset


#: A sentence read that asks a question this close to the question asked (cosine, and share of the
#: question's weighted terms it holds) asks the same thing: a FAQ's heading, "How do I ...?".
ECHO_DENSE = 0.8
ECHO_COVERAGE = 0.6
#: The answer to a question the corpus asks itself starts within this many characters after it.
ECHO_REACH = 400


def after_echo(cset: CandidateSet, logits: np.ndarray) -> int | None:
    """The candidate that answers where the corpus asks the question itself (``CandidateSet.echoes``):
    the best scored of those starting within ``ECHO_REACH`` characters after the best-matching
    such sentence, in its document; None when there is none."""
    for doc_id, end in cset.echoes:
        near = [i for i, c in enumerate(cset.candidates) if c.doc_id == doc_id and end <= c.start < end + ECHO_REACH]
        if near:
            return max(near, key=lambda i: logits[i])
    return None


def alignment_question(analysis: QuestionAnalysis) -> str:
    """What of the question is matched word by word against the best sentence (``align``): the
    question as scored (a named outlet, title or "according to the articles" left out), without
    the phrases that point at a document ("in the newsletter's telling"), which no answer repeats."""
    return without_document_mentions(analysis.scored)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _unknown_reason(analysis: QuestionAnalysis, vocabulary, near: Sequence[str]) -> tuple[str, str]:
    """The reason naming the question's unknown names (with a spelling the corpus uses, if any),
    and the question rewritten with those spellings when every unknown name has one."""
    unknown = analysis.unknown
    names = ", ".join(repr(u) for u in unknown)
    guesses = [(u, g) for u in unknown if (g := suggest(u, vocabulary, near)) is not None]
    hint = "".join(f" (did you mean {g!r} for {u!r}?)" if len(unknown) > 1 else f" (did you mean {g!r}?)"
                   for u, g in guesses)
    suggestion = ""
    if guesses and len(guesses) == len(unknown):
        suggestion = analysis.asked
        for u, g in guesses:
            suggestion = re.sub(rf"(?<![\w.-]){re.escape(u)}(?![\w-])", lambda _m, g=g: g, suggestion, count=1)
    return f"the corpus never mentions {names}{hint}", suggestion


def extract(question: str, query_vector: np.ndarray, hits: Sequence[Hit], index,
            config: ExtractConfig, threshold: float | None = None,
            full_question: str | None = None, named: Collection[str] = (),
            allowed: Collection[str] | None = None, model: ReaderModel | None = None,
            align: Callable[[str, str], tuple[float, float, float]] | None = None) -> Extraction:
    """Choose the answer sentence among the passages in ``hits``, or abstain.

    ``threshold`` is the answerability probability under which the answer abstains (default: the
    config's, else the one fitted with the model). ``full_question`` is the question as asked when
    ``question`` is a shortened form of it used for scoring (``named_sources``). ``named`` are the
    documents the question names by their outlet or quoted title; ``allowed`` the documents the
    caller's filters let through (corroboration never cites another one); ``model`` replaces the
    shipped reader weights; ``align(question, text)`` gives the token alignment of the question and
    the best candidate (``qa.reader.alignment.aligner``; None: unknown to the answerability model).
    """
    model = model or load_reader_model()
    if threshold is None:
        threshold = model.threshold if config.abstain_threshold is None else config.abstain_threshold
    analysis, cset = read_candidates(question, query_vector, hits, index, full_question)
    if not cset.candidates:
        return Extraction(True, (), (), (), None, 0.0, "no passage was retrieved")
    logits = model.score(cset.features)
    following = after_echo(cset, logits) if config.answer_after_echo else None
    if following is not None:
        # The corpus asks the question itself: what follows that question is its answer.
        logits = logits.copy()
        logits[following] = max(logits[following], float(logits.max()) + 1e-3)
    aligned = None
    if align is not None:
        # The second stage reorders the best few by how well the question's words are matched in
        # them (not when the corpus asks the question itself: what follows it stays the answer).
        second = model.reranker is not None and following is None
        rows = reranked(logits) if second else np.argsort(-logits, kind="stable")[:1]
        texts = [index.document(cset.candidates[r].doc_id).text[slice(*cset.spans[r])] for r in rows]
        many = getattr(align, "many", None)
        question_text = alignment_question(analysis)
        found = many(question_text, texts) if many else [align(question_text, t) for t in texts]
        table = np.full((len(logits), len(ALIGNMENT_FEATURES)), np.nan)
        table[rows] = found
        if second:
            logits = model.rerank(logits, table)
        aligned = table[int(np.argmax(logits))]
    order = np.argsort(-logits, kind="stable")
    probs = _sigmoid(logits)
    candidates = [replace(cset.candidates[i], score=float(probs[i])) for i in order]
    states_kind = cset.column("states_kind")[order] > 0
    p = model.answerable(question_features(analysis, cset, logits, aligned))
    spans = CitedSpans(index)
    spans.remember({c.row: span for c, span in zip(cset.candidates, cset.spans)})
    best = candidates[0]
    alternatives = tuple(cite(index, c.doc_id, c.start, c.end, c.score, "alternative") for c in candidates[:3])
    asked = analysis.asked

    def abstain(reason: str, suggestion: str = "", at: Candidate = best) -> Extraction:
        return Extraction(True, (), (), alternatives, at, p, reason, suggestion)

    if analysis.unknown and config.gate_unknown_names:
        return abstain(*_unknown_reason(analysis, index_vocabulary(index), [c.quote for c in alternatives]))
    field = analysis.metadata_field
    stated = metadata_answer(index, field, asked, best, hits) if field else None
    if stated is not None and (quotes_other_title(asked, stated.title) or field == "date" and names_other_work(
            asked, index.document(stated.doc_id).text, source_names(index, stated.doc_id))):
        # "When was the New York Times article titled '...' published?" asks about a work a document
        # reports on, not about the document: read its text.
        stated = None
    how = None
    if stated is not None and quotes_title(asked, stated.title):
        how = "the question quotes its title"
    elif stated is not None and stated.doc_id in named:
        how = "the question names it"
    if stated is not None:
        if how is None and p < threshold:
            return abstain(f"answerability {p:.3f} is under the threshold {threshold:.3f}")
        reason = f"the question asks for the document's {field}; {stated.doc_id} states it ({how or f'answerability {p:.3f}'})"
        return Extraction(False, (stated,), (), alternatives, best, p, reason)
    if analysis.asks_kind and config.gate_kind_unstated:
        # The answer must state a value of the kind asked (or who holds the role asked about).
        stating = [c for c, ok in zip(candidates, states_kind) if ok]
        if not stating:
            return abstain(_specific_reason(analysis, spans, candidates[:3])
                           or f"the question asks for {_asked_for(analysis)}, which no sentence read states")
        best = stating[0]
    if config.require_named_document and analysis.names:
        if len(unmentioned_in_document(analysis.names, index, best.doc_id)) == len(analysis.names):
            listed = ", ".join(repr(n) for n in analysis.names)
            return abstain(f"the best sentence read comes from {best.doc_id}, which never mentions {listed}")
    echoed = following is not None and best.row == cset.candidates[following].row
    if p < threshold and not echoed:
        return abstain(*_why_unanswerable(analysis, index, spans, candidates, alternatives, p, threshold))
    start, end = spans.span(best)
    if analysis.compared and config.gate_comparison_unstated:
        said = spans.text(best)
        unsaid = [name for name in analysis.compared if not speaks_of(said, name)]
        if unsaid:
            return abstain(f"the question compares {' and '.join(analysis.compared)}; the best sentence read "
                           f"does not speak of {' or '.join(unsaid)}, so it cannot state the comparison")
    if analysis.premise and config.gate_premise_unstated:
        vocabulary, premise = index_vocabulary(index), set(analysis.premise)
        if not premise & set(vocabulary.normalize(analyze(spans.text(best)))):
            words = dict.fromkeys(w for w in re.findall(r"[\w’'-]+", analysis.scored)
                                  if premise & set(vocabulary.normalize(analyze(w))))
            return abstain(f"the question asks why something happened; the best sentence read shares none of "
                           f"its words ({', '.join(words)}), so it cannot give the reason")
    answer = (cite(index, best.doc_id, start, end, best.score, "answer", asked),)
    corroborating = _corroboration(index, best, answer[0], candidates, config, query_vector, analysis, allowed)
    if analysis.value_kind in QUANTITIES:
        cited = {best.doc_id, *(c.doc_id for c in corroborating)}
        found = find_rival(spans, best, answer[0].quote, candidates, analysis.value_kind, asked, cited,
                           config.rival_margin)
        if found is not None:
            rival, rival_start, rival_end = found
            corroborating += (cite(index, rival.doc_id, rival_start, rival_end, rival.score, "disagreement", asked),)
    reason = (f"answerability {p:.3f} (best sentence scored {best.score:.3f}: dense {best.dense:.3f}, "
              f"term coverage {best.lexical:.2f}, passage prior {best.passage:.2f})")
    if echoed:
        reason = f"{best.doc_id} asks this question itself, and this follows it; {reason}"
    return Extraction(False, answer, corroborating, alternatives, best, p, reason)


def _specific_reason(analysis: QuestionAnalysis, spans: CitedSpans, closest: Sequence[Candidate]) -> str | None:
    """What the reader saw that says most precisely why the corpus does not answer, if anything:
    a counted thing no passage mentions, or an asked name that one of the ``closest`` sentences
    speaks of without naming."""
    if analysis.uncounted:
        return f"the question counts {analysis.uncounted!r}, which no passage read mentions"
    for cand in closest if analysis.named_class else ():
        unnamed = introduces_unnamed(analysis.named_class, spans.text(cand))
        if unnamed is not None:
            return (f"the question asks for the name of the {unnamed}, which the closest sentences read "
                    f"speak of without naming")
    return None


def _why_unanswerable(analysis: QuestionAnalysis, index, spans: CitedSpans, candidates: Sequence[Candidate],
                      alternatives: Sequence[Citation], p: float, threshold: float) -> tuple[str, str]:
    """The reason the answerability model's "no" is given with (and a respelt question, if any)."""
    if analysis.unknown:
        return _unknown_reason(analysis, index_vocabulary(index), [c.quote for c in alternatives])
    specific = _specific_reason(analysis, spans, candidates[:3])
    if specific is not None:
        return specific, ""
    best = candidates[0]
    return (f"no sentence read is likely enough to answer it: answerability {p:.3f} is under the "
            f"threshold {threshold:.3f} (closest sentence in {best.doc_id}, score {best.score:.3f})"), ""


def _asked_for(analysis: QuestionAnalysis) -> str:
    """How a reason names what the question asks for."""
    if analysis.value_kind == "number" and analysis.action:
        return f"how many {analysis.counted} {' '.join(analysis.action)}"
    if analysis.value_kind is not None:
        return KIND_NAMES.get(analysis.value_kind, "a " + analysis.value_kind)
    role, organisation = analysis.role
    return f"the {role} of {organisation}"


def _corroboration(index, best: Candidate, answer: Citation, candidates: Sequence[Candidate],
                   config: ExtractConfig, query_vector: np.ndarray, analysis: QuestionAnalysis,
                   allowed: Collection[str] | None) -> tuple[Citation, ...]:
    """Other documents' sentences that state the same thing as the answer ("corroboration") or the
    same fact with another value ("disagreement"), among the candidates and the sentences found by
    searching with the answer sentence itself; only documents in ``allowed`` (when given)."""
    extra: list[int] = []
    vec = np.ascontiguousarray(np.asarray(index.sentence_vectors[best.row], dtype=np.float32)[None, :])
    _, chunk_rows = index.faiss_index.search(vec, min(10, index.n_chunks))
    for cr in chunk_rows[0]:
        if cr >= 0:
            d, a, b = (int(x) for x in index.chunk_table[int(cr)])
            if allowed is None or index.documents[d].doc_id in allowed:
                extra.extend(range(a, b))
    agreeing = find_corroboration(index, best, candidates, config, extra, query_vector)
    kind = analysis.answer_type
    value = None
    if kind is not None and answer.highlight is not None:
        doc = index.document(answer.doc_id)
        value = doc.text[answer.highlight[0]:answer.highlight[1]]
    out = []
    for c in agreeing:
        text = index.document(c.doc_id).text[c.start:c.end]
        role = agreement(value, answer.quote, text, kind)
        if role is not None:
            out.append(cite(index, c.doc_id, c.start, c.end, c.score, role, analysis.asked))
    return tuple(out)
