"""What a build can take from the index already in the folder, so that only new text is embedded.

A previous index with the same format, model and chunking settings (``qa.index.manifest``) gives:

- the parsed documents of source files whose bytes are unchanged (``Previous.files``, handed to
  ``read_corpus`` so that they are not parsed again);
- the sentence spans, and the sentence and passage vectors, of every document whose text and
  segments are unchanged (``match_documents``, ``reused_vectors``).

The tables a build writes with them are the same as a full build's. Anything that does not line
up raises ``IndexCorruptError``, and the build embeds everything again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from qa.checksums import file_sha256
from qa.errors import IndexCorruptError
from qa.index.manifest import current_build_id, data_files
from qa.ingest.chunk import Chunk, Sentence
from qa.ingest.corpus import Document, ParsedFile, text_key

if TYPE_CHECKING:
    from qa.index.load import LoadedIndex


@dataclass(frozen=True)
class Previous:
    """What a build can take from the index already in the folder."""

    index: LoadedIndex  # without its lexical index (rebuilt every time)
    files: dict[str, ParsedFile]  # source path -> what it gave, for ``read_corpus(reuse=...)``
    rows_by_text: dict[str, int]  # hash of a document's text -> its row


@dataclass(frozen=True)
class Match:
    """The documents of a new build that are unchanged since the previous index."""

    known: dict[int, int]  # new document row -> old document row (same text and segments)
    spans: dict[str, list[list[int]]]  # doc id -> its sentence spans [start, end] in the old index
    old_sentences: tuple[np.ndarray, np.ndarray]  # (starts, ends) of each old document's sentences
    old_chunks: tuple[np.ndarray, np.ndarray]  # (starts, ends) of each old document's passages


def previous_index(index_dir: Path, manifest: dict, index: LoadedIndex) -> Previous:
    """The previous ``index`` (loaded from ``index_dir`` without its lexical index), checked for re-use.

    Raises ``IndexCorruptError`` when its files were altered since they were written, the folder
    was replaced meanwhile, or its passage vectors cannot be had exactly (an index written before
    ``chunk_vectors.npy`` existed whose FAISS index is IVF).
    """
    checksums = manifest.get("checksums")
    if isinstance(checksums, dict):  # indexes written before checksums were recorded have none
        altered = [name for name in data_files(manifest)
                   if checksums.get(name) != file_sha256(index_dir / name)]
        if altered:
            raise IndexCorruptError(f"{', '.join(altered)} altered since it was written (checksum differs)")
    if current_build_id(index_dir) != manifest["build_id"]:
        raise IndexCorruptError(f"{index_dir} was replaced while it was read")
    if index.chunk_vectors is None:
        index.vector_store.vectors()  # raises unless a flat FAISS index can give them back
    by_path: dict[str, list[Document]] = {}
    for doc in index.documents:
        by_path.setdefault(doc.path, []).append(doc)
    files = {}
    for path, docs in by_path.items():
        info = manifest["sources"].get(path)
        # Indexes written before ``records``/``problems`` were recorded are re-parsed (once).
        if (isinstance(info, dict) and isinstance(info.get("records"), int)
                and isinstance(info.get("problems"), list)
                and all(isinstance(p, str) for p in info["problems"])
                and all(d.sha256 == info.get("sha256") for d in docs)):
            files[path] = ParsedFile(info["sha256"], tuple(docs), tuple(info["problems"]), info["records"])
    rows_by_text = {text_key(d.text): row for row, d in enumerate(index.documents)}
    return Previous(index, files, rows_by_text)


def row_ranges(doc_column: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of each document's rows in a table sorted by document row."""
    if doc_column.size and np.any(np.diff(doc_column) < 0):
        raise IndexCorruptError("table rows are not in document order")
    rows = np.arange(n_docs)
    return (np.searchsorted(doc_column, rows, side="left"),
            np.searchsorted(doc_column, rows, side="right"))


def match_documents(previous: Previous, documents: Sequence[Document]) -> Match:
    """Which of ``documents`` the previous index already holds, with their sentence spans there."""
    old = previous.index
    known: dict[int, int] = {}
    for row, doc in enumerate(documents):
        old_row = previous.rows_by_text.get(text_key(doc.text))
        if old_row is not None and old.documents[old_row].segments == doc.segments:
            known[row] = old_row
    old_sent = row_ranges(old.sentence_table[:, 0], len(old.documents))
    old_chunk = row_ranges(old.chunk_table[:, 0], len(old.documents))
    spans = {documents[row].doc_id: old.sentence_table[old_sent[0][o]:old_sent[1][o], 1:3].tolist()
             for row, o in known.items()}
    return Match(known, spans, old_sent, old_chunk)


def reused_vectors(previous: Previous | None, match: Match | None, documents: Sequence[Document],
                   sentences: Sequence[Sentence], chunks: Sequence[Chunk], doc_rows: dict[str, int],
                   dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(passage vectors, sentence vectors, passage rows to embed, sentence rows to embed).

    The vectors (float32, ``dim`` wide) are copied from the previous index for the unchanged
    documents of ``match`` and zero elsewhere; the two boolean masks mark the rows still to embed
    (all of them without a match). Raises ``IndexCorruptError`` if the previous tables disagree
    with the new passages or its vectors cannot be read back.
    """
    chunk_vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    sentence_vectors = np.zeros((len(sentences), dim), dtype=np.float32)
    chunk_todo = np.ones(len(chunks), dtype=bool)
    sentence_todo = np.ones(len(sentences), dtype=bool)
    if previous is None or match is None or not match.known:
        return chunk_vectors, sentence_vectors, chunk_todo, sentence_todo
    old = previous.index
    old_sent, old_chunk = match.old_sentences, match.old_chunks
    # ``chunk_vectors.npy`` holds them exactly whatever the store; older indexes have a flat FAISS.
    old_vectors = old.chunk_vectors if old.chunk_vectors is not None else old.vector_store.vectors()
    new_sent = row_ranges(np.array([doc_rows[s.doc_id] for s in sentences], dtype=np.int64), len(documents))
    new_chunk_table = np.array([[doc_rows[c.doc_id], c.first_sentence, c.last_sentence] for c in chunks],
                               dtype=np.int64)
    new_chunk = row_ranges(new_chunk_table[:, 0], len(documents))
    for row, o in match.known.items():
        ns, os_ = int(new_sent[0][row]), int(old_sent[0][o])
        nc, nc_end = int(new_chunk[0][row]), int(new_chunk[1][row])
        oc, oc_end = int(old_chunk[0][o]), int(old_chunk[1][o])
        n_sent = int(new_sent[1][row]) - ns
        # The passages are windows over the same sentences: they must line up one for one.
        if (nc_end - nc != oc_end - oc
                or not np.array_equal(new_chunk_table[nc:nc_end, 1:] - ns, old.chunk_table[oc:oc_end, 1:] - os_)):
            raise IndexCorruptError(f"the passages of {documents[row].doc_id!r} do not match its sentences")
        if old.manifest.get("sentence_vectors") != "lazy":  # a lazy index has none to re-use
            sentence_vectors[ns:ns + n_sent] = old.sentence_vectors[os_:os_ + n_sent]
        chunk_vectors[nc:nc_end] = old_vectors[oc:oc_end]
        sentence_todo[ns:ns + n_sent] = False
        chunk_todo[nc:nc_end] = False
    return chunk_vectors, sentence_vectors, chunk_todo, sentence_todo
