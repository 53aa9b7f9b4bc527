"""The document a follow-up speaks of ("What company does *that article* say he founded?"): the
one the conversation's latest turn was answered from, and how to name it in the question the
follow-up is understood as ("the ICARO Media Group article"). Also the definite descriptions of a
question ("the crackdown", "those rules"), by which a follow-up may point back at what the latest
turn spoke of.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from qa.lexicon.en import DOCUMENT_NOUNS
from qa.lexicon.terms import analyze, stopwords
from qa.reader.metadata_answers import named_sources, source_names, titled_sources
from qa.reader.references import references
from qa.types import Answer


#: "the crackdown", "those rules", "that approach": a definite description, its last word the noun.
_DEFINITE = re.compile(r"\b(?:the|that|this|those|these)\s+(?:[a-z][\w-]*\s+){0,2}?([a-z][\w-]{3,})\b(?!\s+of\b)")


def described(question: str) -> set[str]:
    """The nouns of ``question``'s definite descriptions ("the crackdown", "those rules"), stemmed;
    not "now that its ...", a conjunction and a pronoun."""
    stop = stopwords()
    return {t for m in _DEFINITE.finditer(question) if m.group(0).split()[1].lower() not in stop
            for t in analyze(m.group(1))}


#: "that article", "the same piece", "the newsletter": a document spoken of before.
_SPOKEN_DOCUMENT = re.compile(rf"\b(that|this|the)\s+(same\s+)?({DOCUMENT_NOUNS})(?![\w-])", re.I)
#: How many words of a document's title name it where it has no outlet's name.
_TITLE_WORDS = 8


def spoken_document(question: str, index, earlier: Callable[[], Answer]) -> tuple[str, str, str] | None:
    """(document id, the words of ``question`` that point at it, how to name it) when the question
    speaks of a document the conversation spoke of ("What company does *that article* say he
    founded?", "per *the same write-up*"): the one the latest turn (``earlier()``) was answered
    from, or, not answered, the one its question named. "*The* newsletter" points back only in a
    question that does so otherwise too, by a pronoun or a description of what the latest turn
    spoke of ("What does the newsletter say *those rules* are for?"): alone, it is the corpus's
    newsletter, and "the articles" are the corpus. None when the question speaks of no document
    so, names an outlet or quotes a title of its own, or the latest turn gives no one document.
    The name is the document's outlet ("the ICARO Media Group article") or, without one, the first
    words of its title."""
    m = _SPOKEN_DOCUMENT.search(question)
    if m is None or m.group(3).lower().endswith("s"):
        return None  # "the articles" are the corpus's
    every = [d.doc_id for d in index.documents]
    known = set(every)
    if named_sources(index, question, every)[0] or titled_sources(index, question, every)[0]:
        return None
    nouns = None
    if m.group(1).lower() == "the" and not m.group(2) and not references(question):
        # "the newsletter" points back only beside a description of what the latest turn spoke of
        # (none: the latest turn need not even be answered).
        nouns = described(question[:m.start()] + question[m.end():])
        if not nouns:
            return None
    got = earlier()
    if nouns is not None and not nouns & set(analyze(f"{got.question} {'' if got.abstained else got.text}")):
        return None
    if got.abstained or not got.citations:
        # Not answered: the document its question named ("Per the ICARO piece, ...?"), if one.
        asked = got.question_used or got.question
        named = named_sources(index, asked, every)[0] or titled_sources(index, asked, every)[0]
        if len(named) != 1:
            return None
        doc_id, = named
    else:
        doc_id = got.citations[0].doc_id
    if doc_id not in known:
        return None
    noun = m.group(3)
    outlets = sorted(source_names(index, doc_id), key=lambda n: (-len(n), n))
    if outlets:
        return doc_id, m.group(0), f"the {outlets[0]} {noun}"
    words = index.document(doc_id).title.split()
    title = " ".join(words[:_TITLE_WORDS]) + ("…" if len(words) > _TITLE_WORDS else "")
    return doc_id, m.group(0), f"the {noun} “{title}”" if title else m.group(0)


def named_document(got: Answer, words: str, name: str, turn: int) -> Answer:
    """``got`` saying which document its question's ``words`` ("that article") were read as."""
    used = (got.question_used or got.question).replace(words, name, 1)
    reason = got.reason
    if got.question_used and reason.startswith(f"Understood as: {got.question_used}"):
        reason = reason.replace(got.question_used, used, 1)
    elif not got.abstained or not reason.startswith("It is not clear"):
        reason = f"Understood as: {used} {reason}".strip()
    return replace(got, question_used=used, reason=reason,
                   context_turn=turn if got.context_turn is None else got.context_turn)
