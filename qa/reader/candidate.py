"""A candidate answer sentence: a row of the index's sentence table, its span, its score and the
evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A scored sentence (row of the index's sentence table) and the evidence behind its score."""

    row: int
    doc_id: str
    start: int
    end: int
    score: float
    dense: float
    lexical: float
    passage: float
