"""The corpus's vocabulary at question time: which terms it uses, and a term's other forms.

A question may name a place or a people in a form the corpus does not use ("America" where the
articles say "American", "China" beside "Chinese"). Snowball stemming keeps these apart, so a
question term the corpus lacks is looked up among the corpus terms that share its first letters.
This is question-time code only: it does not change what an index holds.
"""

from __future__ import annotations

import bisect

#: Endings by which a place, a people or a name and its derived forms differ once stemmed:
#: "america"/"american", "china"/"chines" (Chinese), "itali"/"italian", "japan"/"japanes".
_ENDINGS = frozenset({"", "a", "e", "i", "y", "n", "an", "ian", "es", "ese", "ish", "s"})
_ROOT = 4
#: A misspelling is looked for only in words this long, and must be this similar (percent).
_TYPO_MIN = 5
_TYPO_SIMILARITY = 85.0


def same_root(a: str, b: str) -> bool:
    """True when two different stemmed terms are forms of one word: they share a stem of at
    least four letters and differ only by an ending in ``_ENDINGS``."""
    if a == b:
        return False
    p = 0
    for x, y in zip(a, b):
        if x != y:
            break
        p += 1
    return p >= _ROOT and a[p:] in _ENDINGS and b[p:] in _ENDINGS


class Vocabulary:
    """The terms a corpus uses, with a look-up of a term's other forms ("america" finds
    "american"). Sorted once, so a look-up only reads the terms sharing the first four letters."""

    def __init__(self, terms):
        self._set = frozenset(terms)
        self._sorted = sorted(self._set)
        self._by_initial: dict[str, list[str]] | None = None

    def __contains__(self, term: str) -> bool:
        return term in self._set

    def __len__(self) -> int:
        return len(self._set)

    def variant(self, term: str) -> str | None:
        """A term of the corpus that is another form of ``term`` (``same_root``), or None."""
        if len(term) < _ROOT:
            return None
        prefix = term[:_ROOT]
        i = bisect.bisect_left(self._sorted, prefix)
        while i < len(self._sorted) and self._sorted[i].startswith(prefix):
            if same_root(term, self._sorted[i]):
                return self._sorted[i]
            i += 1
        return None

    def correction(self, term: str) -> str | None:
        """The corpus term ``term`` is most likely a misspelling of ("kuaishu" for "kuaishou"), or
        None: same first letter, at least five letters, and at least 85 % similar (rapidfuzz's
        normalised Indel similarity, difflib's ratio: one swapped or missing letter in a word of
        seven or more)."""
        if len(term) < _TYPO_MIN or term in self._set:
            return None
        if self._by_initial is None:
            groups: dict[str, list[str]] = {}
            for t in self._sorted:
                if len(t) >= _TYPO_MIN - 1:
                    groups.setdefault(t[0], []).append(t)
            self._by_initial = groups
        from rapidfuzz import fuzz, process

        best = process.extractOne(term, self._by_initial.get(term[0], ()), scorer=fuzz.ratio,
                                  score_cutoff=_TYPO_SIMILARITY)
        return best[0] if best else None

    def normalize(self, terms: list[str]) -> list[str]:
        """``terms`` with each term the corpus lacks replaced by its other form, when it has one.
        Misspellings are not replaced: a near word is often another word ("psalm"/"palm")."""
        return [t if t in self._set else (self.variant(t) or t) for t in terms]


def index_vocabulary(index) -> Vocabulary:
    """The vocabulary of an index's lexical side, built once per loaded index."""
    return index.derived.get("vocabulary", lambda: Vocabulary(index.lexical.vocab_dict))


def document_vocabulary(index) -> Vocabulary:
    """The terms of the documents' whole text: the index's vocabulary and the words of the parts
    cleaning left out of the passages (a heading "Daily Takeaway:" read as a fragment, a call to
    action). Whether the corpus *mentions* a name is read here; built once per loaded index."""
    def build() -> Vocabulary:
        from qa.lexicon.terms import analyze

        terms = set(index.lexical.vocab_dict)
        for doc in index.documents:
            for segment in getattr(doc, "segments", ()):
                if not segment.kept:
                    terms.update(analyze(doc.text[segment.start:segment.end]))
        return Vocabulary(terms)
    return index.derived.get("document_vocabulary", build)
