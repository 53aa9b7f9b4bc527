"""One reading of the question, made once per ``extract`` call and shared by every feature, gate
and reason: what it asks for, what it is about, and which of its words the corpus knows.

``analyze_question`` composes the pure functions of ``kinds``, ``names``, ``naming`` and
``metadata_questions``; nothing else in the reader classifies a question again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from qa.index.lexical import document_frequencies
from qa.index.vocabulary import document_vocabulary, index_vocabulary
from qa.lexicon.en import COMPARATIVES
from qa.lexicon.terms import analyze
from qa.reader.asking import compared_names, premise_terms
from qa.reader.kinds import (
    asked_role,
    asks_for_code,
    counted_action,
    counted_noun,
    described_person,
    expected_type,
    value_kind,
)
from qa.reader.metadata_questions import metadata_question
from qa.reader.names import (
    asked_names,
    expand_acronyms,
    question_names,
    uncounted,
    unknown_names,
    without_document_mentions,
    without_document_references,
)
from qa.reader.naming import asked_class
from qa.reader.scoring import term_weights
from qa.reader.spelling import corpus_names, is_ordinary, ordinary_words, truecase


@dataclass(frozen=True)
class QuestionAnalysis:
    """What the reader knows about a question before it reads a sentence.

    ``scored`` is the text sentences are scored against (words that point at the corpus itself
    removed, acronyms the passages write out expanded); ``asked`` the question as the user asked
    it. ``answer_type`` is the broad type ("date", "number", "name" or None), ``value_kind`` the
    narrow kind ("money", "year", ...), ``role`` a (role, organisation) pair the question asks the
    holder of, ``counted`` the noun a "how many" question counts and ``action`` the verb it counts,
    ``named_class`` the nouns a "what is the name of ..." question asks the name of. ``names`` are
    the names the question is about, ``unknown`` those the corpus never uses, ``uncounted`` what a
    count question counts when no passage read mentions it. ``terms`` and ``weights`` are the
    question's stemmed content terms and their IDF in this index.
    """

    asked: str
    scored: str
    answer_type: str | None
    value_kind: str | None
    role: tuple[str, str] | None
    counted: str
    action: tuple[str, ...]
    named_class: tuple[str, ...]
    metadata_field: str | None
    names: tuple[str, ...]
    all_names: tuple[str, ...]
    unknown: tuple[str, ...]
    uncounted: str
    terms: tuple[str, ...]
    weights: tuple[tuple[str, float], ...]
    unseen: float = 0.0
    name_terms: frozenset[str] = frozenset()
    #: The question is about code or program output (which then may answer it).
    asks_code: bool = False
    #: For a question asking why, the terms of what it says happened (``premise_terms``), as the
    #: vocabulary normalises them, without its names' terms; empty otherwise.
    premise: tuple[str, ...] = ()
    #: The two names the question compares ("Which has more users, Kling or Sora?"), if any.
    compared: tuple[str, ...] = ()

    @property
    def term_weights(self) -> dict[str, float]:
        return dict(self.weights)

    @property
    def asks_kind(self) -> bool:
        """True when the question asks for a value of a narrow kind or for a role's holder."""
        return self.value_kind is not None or self.role is not None


def _compared(question: str, index) -> tuple[str, ...]:
    """The two names ``question`` compares (``compared_names``), read with the corpus's spelling of
    its names; the spelling table (``corpus_names``, built once per index) only for a question
    with a word that may compare ("more", "vs", ...)."""
    words = {w.lower() for w in re.findall(r"[\w-]+", question)}
    if not words & (COMPARATIVES | {"vs", "versus"}):
        return ()
    return compared_names(truecase(question, corpus_names(index)))


def analyze_question(question: str, index, read: Sequence[str], asked: str | None = None) -> QuestionAnalysis:
    """The analysis of ``question`` against ``index``, given the texts of the passages ``read``.

    ``asked`` is the question as the user typed it when ``question`` is a shortened form of it (a
    named source cut out); it decides whether the question asks for a document's metadata.
    """
    asked = asked or question
    vocabulary = index_vocabulary(index)
    scored = expand_acronyms(without_document_references(question), vocabulary, read)
    terms = tuple(vocabulary.normalize(analyze(scored)))
    df, n = document_frequencies(index)
    idf = term_weights(terms, df, n)
    total = sum(idf.values())
    # A term no passage holds cannot be covered by any sentence: it weighs on the question as a
    # whole (``unseen``), not on the comparison of sentences ("hi! quick one - ..." would otherwise
    # make every sentence miss its heaviest terms).
    weights = tuple((t, w) for t, w in idf.items() if df.get(t))
    unseen = sum(w for t, w in idf.items() if not df.get(t)) / total if total > 0 else 0.0
    # A capitalised word the corpus writes in lower case ("Desktop") is no name the answer must mention.
    ordinary = ordinary_words(index)
    all_names = question_names(question)
    plain = {n for n in all_names if is_ordinary(n, ordinary, question)}
    all_names = tuple(n for n in all_names if n not in plain)
    name_terms = frozenset(vocabulary.normalize(analyze(" ".join(all_names))))
    kind = value_kind(question)
    if kind is None and described_person(question, cased=False):
        kind = value_kind(truecase(question, corpus_names(index)))  # "who is andrew ng": a name in lower case
    role = asked_role(question) if kind is None else None
    return QuestionAnalysis(
        asked=asked,
        scored=scored,
        answer_type=expected_type(question),
        value_kind=kind,
        role=role,
        counted=counted_noun(question) if kind == "number" else "",
        action=tuple(counted_action(question)) if kind == "number" else (),
        named_class=tuple(asked_class(question)) if kind == "name" else (),
        metadata_field=metadata_question(asked),
        names=tuple(n for n in asked_names(question) if n not in plain),
        all_names=all_names,
        unknown=tuple(unknown_names(question, document_vocabulary(index), read)),
        uncounted=uncounted(question, read),
        terms=terms,
        weights=weights,
        unseen=unseen,
        name_terms=name_terms,
        asks_code=asks_for_code(question),
        premise=tuple(t for t in vocabulary.normalize(list(premise_terms(without_document_mentions(scored))))
                      if t not in name_terms),
        compared=_compared(question, index),
    )
