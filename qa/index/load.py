"""Load an index folder into memory (``LoadedIndex``), checking that its files agree with the
manifest and with each other; each failure names the command that fixes it."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.config import INDEX_FORMAT_VERSION
from qa.errors import IndexCorruptError, IndexMismatchError, IndexStaleError
from qa.index.atomic import recover
from qa.index.integrity import checksum_error, recorded_files
from qa.index.manifest import (
    CHUNK_VECTORS,
    CHUNKS,
    DOCUMENTS,
    LEXICAL_DIR,
    MANIFEST,
    SENTENCE_VECTORS,
    SENTENCES,
    VERIFIED_ON_LOAD,
    altered_files,
    corpus_changes,
    current_build_id,
    data_files,
    read_manifest,
    recorded_corpus_dir,
    require_checksums,
)
from qa.types import Chunk, Document, Segment, Sentence
from qa.vectors.store import open_store


class DerivedData:
    """Values computed from a loaded index on first use and kept with it (document frequencies,
    the vocabulary, metadata tables, ...), so that each is built once per loaded index.

    Thread-safe: two threads asking at once may both compute a value, and both get the first one
    stored. ``get(key, build)`` returns the value under ``key``, calling ``build()`` if absent.
    """

    def __init__(self) -> None:
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key: str, build):
        with self._lock:
            if key in self._values:
                return self._values[key]
        value = build()
        with self._lock:
            return self._values.setdefault(key, value)


@dataclass(frozen=True)
class LoadedIndex:
    """An index in memory, ready to search. Rows of every table align with vector-store ids."""

    path: str
    manifest: dict
    documents: tuple[Document, ...]
    sentence_table: np.ndarray  # (n_sentences, 3) int64: doc row, start, end
    chunk_table: np.ndarray  # (n_chunks, 3) int64: doc row, first sentence, last sentence (excl.)
    vector_store: object  # qa.vectors.store.VectorStore over the chunk vectors (None: not loaded)
    sentence_vectors: np.ndarray  # (n_sentences, dim) float16, unit rows (or qa.index.lazy's stand-in)
    lexical: object  # bm25s.BM25 over the chunk texts
    doc_rows: dict = field(default_factory=dict)
    chunk_vectors: np.ndarray | None = None  # (n_chunks, dim) float32, memory-mapped; None if absent
    #: What readers derive from the tables once per loaded index (``DerivedData``).
    derived: DerivedData = field(default_factory=DerivedData, compare=False, repr=False)

    @property
    def faiss_index(self):
        """The vector store (its old name: the retrievers call ``search(queries, k)`` on it)."""
        return self.vector_store

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    @property
    def n_chunks(self) -> int:
        return int(self.chunk_table.shape[0])

    def document(self, doc_id: str) -> Document:
        """The document with that id (``KeyError`` if it is not in the index)."""
        return self.documents[self.doc_rows[doc_id]]

    def sentence(self, row: int) -> Sentence:
        d, s, e = (int(x) for x in self.sentence_table[row])
        return Sentence(self.documents[d].doc_id, s, e, "code" if self.code_sentences[row] else "prose")

    @property
    def code_sentences(self) -> np.ndarray:
        """A bool per sentence row: True for a piece of a code block (``Sentence.kind == "code"``)."""
        return self.derived.get("code_sentences", lambda: code_sentence_mask(self.documents, self.sentence_table))

    def chunk(self, row: int) -> Chunk:
        d, a, b = (int(x) for x in self.chunk_table[row])
        start = int(self.sentence_table[a, 1])
        end = int(self.sentence_table[b - 1, 2])
        return Chunk(row, self.documents[d].doc_id, start, end, a, b)

    def chunk_text(self, row: int) -> str:
        """The searchable text of chunk ``row`` (its sentences joined by spaces)."""
        d, a, b = (int(x) for x in self.chunk_table[row])
        text = self.documents[d].text
        return " ".join(text[int(s):int(e)] for _, s, e in self.sentence_table[a:b])


def code_sentence_mask(documents, sentence_table: np.ndarray) -> np.ndarray:
    """A bool per row of ``sentence_table``: whether the sentence starts inside a kept code segment
    of its document (``Segment.kind``)."""
    mask = np.zeros(len(sentence_table), dtype=bool)
    if not len(sentence_table):
        return mask
    doc_of = sentence_table[:, 0]
    order = np.argsort(doc_of, kind="stable")
    bounds = np.searchsorted(doc_of[order], np.arange(len(documents) + 1))
    for d, doc in enumerate(documents):
        seg_starts, seg_ends = (np.array(x) for x in doc.code_spans)
        if not len(seg_starts) or bounds[d] == bounds[d + 1]:
            continue
        rows = order[bounds[d]:bounds[d + 1]]
        starts = sentence_table[rows, 1]
        i = np.searchsorted(seg_starts, starts, side="right") - 1
        inside = (i >= 0) & (starts < seg_ends[np.maximum(i, 0)])
        mask[rows[inside]] = True
    return mask


def _table_range_problems(documents, sentences: np.ndarray, chunks: np.ndarray) -> list[str]:
    """Which tables point outside the documents or the sentence table (a same-size corruption)."""
    problems = []
    if sentences.dtype.kind not in "iu" or chunks.dtype.kind not in "iu":
        return ["table types"]
    n_docs, n_sent = len(documents), sentences.shape[0]
    lengths = np.array([len(d.text) for d in documents], dtype=np.int64)
    doc, start, end = sentences[:, 0], sentences[:, 1], sentences[:, 2]
    in_docs = (doc >= 0) & (doc < n_docs)
    if not in_docs.all() or not ((start >= 0) & (start <= end) & (end <= lengths[np.where(in_docs, doc, 0)])).all():
        problems.append("sentence offsets")
    if any(list(d.pages) != sorted(d.pages) or (d.pages and not 0 <= d.pages[0] <= d.pages[-1] <= len(d.text))
           for d in documents):
        problems.append("page offsets")
    cdoc, first, last = chunks[:, 0], chunks[:, 1], chunks[:, 2]
    if not ((cdoc >= 0) & (cdoc < n_docs) & (first >= 0) & (first < last) & (last <= n_sent)).all():
        problems.append("chunk rows")
    return problems


def _load_documents(path: Path) -> tuple[Document, ...]:
    docs = []
    with open(path, "rb") as fh:
        for line in fh:
            row = json.loads(line)
            # Rows of four (indexes written before segments had a kind) read as joinless prose.
            segments = tuple(Segment(int(s), int(e), bool(k), str(r), str(rest[0]) if rest else "prose",
                                     bool(rest[1]) if len(rest) > 1 else False)
                             for s, e, k, r, *rest in row["segments"])
            pages = tuple(int(p) for p in row.get("pages") or ())
            docs.append(Document(row["doc_id"], row["title"], row["text"], row["path"], row["sha256"],
                                 segments, row.get("date"), row.get("url"), row.get("source"),
                                 row.get("author"), pages, tuple(row.get("copies") or ())))
    return tuple(docs)


def load_index(index_dir: str | os.PathLike, embedder_name: str | None = None,
               corpus_dir: str | os.PathLike | None = None, check_stale: bool = True,
               *, store: str | None = None, uri: str | None = None) -> LoadedIndex:
    """Load and validate an index folder.

    ``store`` and ``uri`` override where the manifest says the passage vectors are (a Milvus
    server that moved). Raises ``IndexNotFoundError`` (nothing there), ``IndexMismatchError``
    (other format version, model or store), ``IndexCorruptError`` (missing, truncated or
    inconsistent files), ``VectorStoreError`` (Milvus unreachable, collection gone) or
    ``IndexStaleError`` (``check_stale`` and the source folder recorded in the manifest, or
    ``corpus_dir``, changed). Each message says what to run.
    """
    index_dir = Path(index_dir)
    recover(index_dir, MANIFEST)
    for _attempt in range(3):
        manifest = read_manifest(index_dir)
        try:
            loaded = _load_files(index_dir, manifest, embedder_name, store=store, uri=uri)
        except IndexCorruptError:
            # Files read across a swap disagree with each other: that is a rebuild, not damage.
            if current_build_id(index_dir) != manifest["build_id"]:
                continue
            raise
        # A rebuild may have swapped the folder while we read it: make sure we saw one build.
        if current_build_id(index_dir) == manifest["build_id"]:
            break
    else:
        raise IndexCorruptError(f"{index_dir} kept changing while it was read; try again")
    if check_stale:
        check_fresh(index_dir, manifest, corpus_dir)
    return loaded


def check_fresh(index_dir: str | os.PathLike, manifest: dict, corpus_dir: str | os.PathLike | None = None) -> None:
    """Raise ``IndexStaleError`` if ``corpus_dir`` (default: the folder the manifest records)
    changed since the index was built; a folder that is not there is not checked."""
    source = corpus_dir or recorded_corpus_dir(index_dir, manifest)
    if source and Path(source).is_dir():
        changes = corpus_changes(manifest, source)
        if not changes.fresh:
            raise IndexStaleError(
                f"the corpus {source} changed since the index was built ({changes.summary()}); "
                f"rebuild with `qa index {source} --index-dir {index_dir}`")


def _load_files(index_dir: Path, manifest: dict, embedder_name: str | None,
                lexical: bool = True, vectors: bool = True, store: str | None = None,
                uri: str | None = None, verify: bool = True) -> LoadedIndex:
    """The files of an index, checked against ``manifest``.

    ``lexical=False`` skips the bm25s index; ``vectors=False`` does not open the vector store
    unless the index has no ``chunk_vectors.npy`` (then a flat FAISS index is the only source of
    the passage vectors for re-use). ``verify`` (the default; a build re-using the index checks
    every checksum itself) requires checksums in the manifest and compares those of
    ``VERIFIED_ON_LOAD`` with the files.
    """
    from qa.index.lexical import load_lexical_index

    rebuild = f"rebuild with `qa index CORPUS_DIR --index-dir {index_dir}`"
    version = manifest.get("format_version")
    if version != INDEX_FORMAT_VERSION:
        raise IndexMismatchError(
            f"{index_dir} has index format {version}, this version reads format "
            f"{INDEX_FORMAT_VERSION}; {rebuild}")
    model = manifest.get("model", {})
    if embedder_name is not None and model.get("name") != embedder_name:
        raise IndexMismatchError(
            f"{index_dir} was built with model {model.get('name')!r}, not {embedder_name!r}; {rebuild}")
    if verify:
        require_checksums(index_dir, manifest)
    for name in dict.fromkeys(data_files(manifest) + recorded_files(manifest)):
        path = index_dir / name
        if not path.exists():
            raise IndexCorruptError(f"{path} is missing; {rebuild}")
        expected = manifest.get("files", {}).get(name)
        if expected is not None and path.stat().st_size != expected:
            raise IndexCorruptError(f"{path} is truncated or altered (size differs); {rebuild}")
    try:
        documents = _load_documents(index_dir / DOCUMENTS)
        # Memory-mapped, like the vectors: pages of the files, shared and reclaimable, not copies.
        sentences = np.load(index_dir / SENTENCES, allow_pickle=False, mmap_mode="r")
        chunks = np.load(index_dir / CHUNKS, allow_pickle=False, mmap_mode="r")
        sentence_vectors = np.load(index_dir / SENTENCE_VECTORS, allow_pickle=False, mmap_mode="r")
        chunk_vectors = (np.load(index_dir / CHUNK_VECTORS, allow_pickle=False, mmap_mode="r")
                         if CHUNK_VECTORS in data_files(manifest) else None)
        lexical_index = load_lexical_index(index_dir / LEXICAL_DIR) if lexical else None
        vector_store = (open_store(index_dir, manifest, store, uri)
                        if vectors or chunk_vectors is None else None)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, UnicodeDecodeError,
            json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"cannot read the index in {index_dir} ({type(exc).__name__}); {rebuild}") from exc
    counts = manifest.get("counts", {})
    dim = model.get("dim")
    problems = []
    if len(documents) != counts.get("documents"):
        problems.append("document count")
    if sentences.ndim != 2 or sentences.shape != (counts.get("sentences"), 3):
        problems.append("sentence table")
    if chunks.ndim != 2 or chunks.shape != (counts.get("chunks"), 3):
        problems.append("chunk table")
    if vector_store is not None and (vector_store.count() != counts.get("chunks") or vector_store.dim != dim):
        problems.append(("FAISS index" if vector_store.kind == "faiss" else "Milvus collection")
                        + " size or dimension")
    lazy = manifest.get("sentence_vectors") == "lazy"
    if sentence_vectors.shape != ((0 if lazy else counts.get("sentences")), dim):
        problems.append("sentence vectors")
    if chunk_vectors is not None and (chunk_vectors.shape != (counts.get("chunks"), dim)
                                      or chunk_vectors.dtype != np.float32):
        problems.append("chunk vectors")
    if lexical and getattr(lexical_index, "scores", {}).get("num_docs") != counts.get("chunks"):
        problems.append("lexical index size")
    if not problems:
        problems += _table_range_problems(documents, sentences, chunks)
    if problems:
        if vector_store is not None:
            vector_store.close()
        raise IndexCorruptError(f"{index_dir} is inconsistent ({', '.join(problems)}); {rebuild}")
    if lazy:  # built without sentence vectors: each is embedded when a question first reads it
        from qa.index.lazy import LazySentenceVectors

        def text_of(row: int) -> str:
            d, a, b = (int(x) for x in sentences[row])
            return documents[d].text[a:b]
        sentence_vectors = LazySentenceVectors(len(sentences), int(dim), text_of)
    if verify:
        # Last: a damaged table is reported by what is wrong in it; a plausible edit only here.
        # One pass of SHA-256 over these files after parsing them (bench/integrity.py: hashing on
        # a second thread meanwhile was slower on a busy 2-core machine).
        altered = altered_files(index_dir, manifest, VERIFIED_ON_LOAD)
        if altered:
            if vector_store is not None:
                vector_store.close()
            raise checksum_error(index_dir, altered)
    return LoadedIndex(str(index_dir), manifest, documents, sentences, chunks, vector_store,
                       sentence_vectors, lexical_index, {d.doc_id: i for i, d in enumerate(documents)},
                       chunk_vectors)
