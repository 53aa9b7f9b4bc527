"""Lexical evidence of a sentence for a question (pure functions): each question term's IDF, the
IDF-weighted share of the question's terms a sentence holds, and what counts as a new value."""

from __future__ import annotations

import math
import re
from typing import Sequence

from qa.lexicon.en import STEMMED_NUMBER_OR_MONTH


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


#: A stemmed term that is a number or a month: a sentence that adds one to the question's words
#: ("Within just six months, 01.AI unveiled a new version ...") gives a value, whatever else it repeats.
NEW_VALUE = re.compile(STEMMED_NUMBER_OR_MONTH)
