"""The lexical side of an index: a BM25 index (bm25s) of the passage texts, written as bm25s's own
plain ``.npy``/``.json`` files and loaded memory-mapped, with each term's document frequency beside
them (``document_frequencies.npy``, row i = term id i), which the reader weighs terms by."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from qa.errors import IndexCorruptError
from qa.lexicon.terms import analyze

#: Passages holding each term, row i = the term whose id is i.
DOCUMENT_FREQUENCIES = "document_frequencies.npy"


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
    frequencies = np.zeros(len(vocab), dtype=np.int64)
    for row in tokens:
        for term in set(row):
            frequencies[vocab[term]] += 1
    np.save(Path(folder) / DOCUMENT_FREQUENCIES, frequencies, allow_pickle=False)


def load_lexical_index(folder: Path):
    """Load a BM25 index written by ``build_lexical_index`` (memory-mapped)."""
    import bm25s

    return bm25s.BM25.load(str(folder), mmap=True)


def document_frequencies(index) -> tuple[dict[str, int], int]:
    """``({term: passages holding it}, passages)`` for a loaded index, read once and kept in its
    ``DerivedData``. ``IndexCorruptError`` when the file is missing or unreadable."""
    def read() -> tuple[dict[str, int], int]:
        path = Path(index.path) / "lexical" / DOCUMENT_FREQUENCIES
        if not path.is_file():
            raise IndexCorruptError(f"{index.path} lacks lexical/{DOCUMENT_FREQUENCIES}: rebuild with "
                                    f"`qa index CORPUS_DIR --index-dir {index.path} --force`")
        counts = np.load(path, allow_pickle=False)
        vocab = index.lexical.vocab_dict
        # bm25s adds "" to the vocabulary for its own use; no passage holds it.
        return ({term: int(counts[i]) for term, i in vocab.items() if i < counts.shape[0] and counts[i] > 0},
                index.n_chunks)

    return index.derived.get("document_frequencies", read)
