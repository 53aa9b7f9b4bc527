"""The lexical side of an index: a BM25 index (bm25s) of the passage texts, written as bm25s's own
plain ``.npy``/``.json`` files and loaded memory-mapped."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from qa.lexicon.terms import analyze


def build_lexical_index(texts: Sequence[str], folder: Path) -> None:
    """Write a BM25 index of ``texts`` (row i = text i) into ``folder`` as plain bm25s files."""
    import bm25s

    from bm25s.tokenization import Tokenized

    retriever = bm25s.BM25()
    tokens = [analyze(t) or ["\u2205"] for t in texts]  # an empty row would break bm25s
    # Term ids in sorted order: bm25s would number terms in set order, which follows Python's
    # per-process string hashing, so two builds of the same texts would write different bytes.
    vocab = {term: i for i, term in enumerate(sorted({t for row in tokens for t in row}))}
    retriever.index(Tokenized(ids=[[vocab[t] for t in row] for row in tokens], vocab=vocab),
                    show_progress=False)
    retriever.save(str(folder))


def load_lexical_index(folder: Path):
    """Load a BM25 index written by ``build_lexical_index`` (memory-mapped)."""
    import bm25s

    return bm25s.BM25.load(str(folder), mmap=True)
