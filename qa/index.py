"""Build, save and load the index: a folder of plain files described by ``manifest.json``.

Layout of an index folder (no pickle anywhere):

- ``manifest.json``: format version, build id, model name and dimension, chunking parameters,
  source folder, a content hash (and size, mtime) of every source document, counts, warnings.
- ``documents.jsonl``: one line per document: id, title, path, hash, date, url, source, author,
  page start offsets (PDF), full text, segments.
- ``sentences.npy`` (int64, n x 3: document row, start, end) and ``chunks.npy`` (int64, n x 3:
  document row, first sentence row, last sentence row exclusive).
- ``index.faiss``: inner-product FAISS index over the unit chunk vectors, row i = chunk i.
- ``sentence_vectors.npy``: float16 unit vectors of every sentence (used by the extractor).
- ``lexical/``: the bm25s index of the chunk texts.

A build re-uses what it can of the index already in the folder (same format, model and chunking
settings): the documents of source files whose bytes are unchanged (no re-parsing), and the sentence
spans and vectors of every document whose text is unchanged, so only new or edited text is embedded.
The tables it writes are the same as a full build's.

Writes go to a temporary sibling folder that is swapped into place atomically (``qa.store``), so a
reader (or a killed build) only ever sees the old index or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from qa.ann import IndexSpec, apply_search_params, build_vector_index, choose_index_spec
from qa.chunk import Chunk, Sentence, chunk_documents, passage_text
from qa.config import DEFAULT_SETTINGS, INDEX_FORMAT_VERSION, Settings
from qa.embed import Embedder
from qa.errors import (CorpusError, IndexCorruptError, IndexMismatchError, IndexNotFoundError,
                       IndexStaleError, QAIndexError)
from qa.ingest import (Corpus, Document, IngestWarning, ParsedFile, Segment, list_corpus_files,
                       read_corpus)
from qa.store import recover, remove_abandoned_temporaries, replacing

MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
SENTENCES = "sentences.npy"
CHUNKS = "chunks.npy"
FAISS_FILE = "index.faiss"
SENTENCE_VECTORS = "sentence_vectors.npy"
LEXICAL_DIR = "lexical"
DATA_FILES = (DOCUMENTS, SENTENCES, CHUNKS, FAISS_FILE, SENTENCE_VECTORS)


@dataclass(frozen=True)
class BuildReport:
    """What ``build_index`` did.

    ``status`` is "built" (everything embedded), "updated" (only new or changed text embedded) or
    "up to date" (nothing to do). ``added``/``changed``/``removed``/``unchanged`` count source files
    against the previous index (all "added" when there was none); ``embedded`` counts the texts
    (passages and sentences) embedded by this run; ``note`` says why a full build was needed when
    an index was already there, or is empty.
    """

    index_dir: str
    status: str
    documents: int
    chunks: int
    sentences: int
    seconds: float
    warnings: tuple[IngestWarning, ...] = field(default_factory=tuple)
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    note: str = ""


@dataclass(frozen=True)
class CorpusChanges:
    """How a corpus folder differs from what an index was built from (paths relative to it)."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def fresh(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        return (f"added {len(self.added)}, changed {len(self.changed)}, "
                f"removed {len(self.removed)}, unchanged {len(self.unchanged)}")


@dataclass(frozen=True)
class LoadedIndex:
    """An index in memory, ready to search. Rows of every table align with FAISS rows."""

    path: str
    manifest: dict
    documents: tuple[Document, ...]
    sentence_table: np.ndarray  # (n_sentences, 3) int64: doc row, start, end
    chunk_table: np.ndarray  # (n_chunks, 3) int64: doc row, first sentence, last sentence (excl.)
    faiss_index: object
    sentence_vectors: np.ndarray  # (n_sentences, dim) float16, unit rows
    lexical: object  # bm25s.BM25 over the chunk texts
    doc_rows: dict = field(default_factory=dict)

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
        return Sentence(self.documents[d].doc_id, s, e)

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


# --- building ------------------------------------------------------------------------------------

def _file_signature(path: Path, link: bool = False) -> dict:
    st = path.lstat() if link else path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _skipped_file_record(path: Path) -> dict | None:
    """The manifest record of a file the build skipped, or None if there is nothing to record.

    Skipped symlinks are recorded by the link itself (their target may be outside the corpus,
    missing or a loop) and non-regular or unreadable files without a hash, so that an unchanged
    bad file does not make the index stale and is never read (a FIFO would block).
    """
    try:
        if path.is_symlink():
            return {"doc_id": None, "sha256": None, "link": True, **_file_signature(path, link=True)}
        if not path.exists():
            return None
        record = {"doc_id": None, "sha256": None, **_file_signature(path)}
        if path.is_file():
            record["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        return record
    except OSError:
        try:
            return {"doc_id": None, "sha256": None, **_file_signature(path)}
        except OSError:
            return None


def corpus_changes(manifest: dict, corpus_dir: str | os.PathLike) -> CorpusChanges:
    """Compare a corpus folder with the documents recorded in ``manifest``.

    Files whose size and modification time match the manifest are taken as unchanged without
    being read; the others are hashed.
    """
    root = Path(corpus_dir)
    recorded: dict[str, dict] = manifest.get("sources", {})
    current = {str(p.relative_to(root)): p for p in list_corpus_files(root)} if root.is_dir() else {}
    added, changed, unchanged = [], [], []
    for rel, path in current.items():
        info = recorded.get(rel)
        if info is None:
            added.append(rel)
            continue
        try:
            sig = _file_signature(path, link=bool(info.get("link")))
            if sig["size"] == info.get("size") and sig["mtime_ns"] == info.get("mtime_ns"):
                unchanged.append(rel)
            elif info.get("sha256") is None:
                changed.append(rel)
            elif hashlib.sha256(path.read_bytes()).hexdigest() == info["sha256"]:
                unchanged.append(rel)
            else:
                changed.append(rel)
        except OSError:
            changed.append(rel)
    removed = [rel for rel in recorded if rel not in current]
    return CorpusChanges(tuple(added), tuple(changed), tuple(removed), tuple(unchanged))


def pipeline_fingerprint() -> str:
    """A hash of the code that decides what an index contains (reading, cleaning, splitting).

    Recorded in the manifest: after an upgrade that changes cleaning or sentence splitting, an old
    index is reported stale and rebuilt, instead of silently disagreeing with a fresh one.
    """
    import hashlib

    from qa import chunk, formats, ingest

    digest = hashlib.sha256()
    for module in (ingest, formats, chunk):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _settings_record(settings: Settings) -> dict:
    return {"chunking": asdict(settings.chunk), "pipeline": pipeline_fingerprint()}


def read_manifest(index_dir: str | os.PathLike) -> dict:
    """The parsed manifest of an index folder; raises ``IndexNotFoundError``/``IndexCorruptError``."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        raise IndexNotFoundError(
            f"no index at {Path(index_dir)}: build one with `qa index CORPUS_DIR --index-dir {index_dir}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"unreadable manifest {path} ({exc}); rebuild with `qa index`") from exc
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise IndexCorruptError(f"{path} is not an index manifest; rebuild with `qa index`")
    # A hand-edited or foreign manifest must fail here, not as an AttributeError deep in loading.
    expected = {"build_id": str, "model": dict, "counts": dict, "files": dict, "sources": dict,
                "settings": dict, "warnings": list, "corpus_dir": str}
    wrong = [key for key, kind in expected.items()
             if key in manifest and not isinstance(manifest[key], kind)]
    if wrong or not isinstance(manifest.get("build_id"), str):
        raise IndexCorruptError(f"{path} has malformed fields ({', '.join(wrong) or 'build_id'}); "
                                f"rebuild with `qa index`")
    return manifest



def _incompatibility(manifest: dict, embedder_name: str, settings: Settings,
                     dim: int | None = None) -> str | None:
    """Why an index with ``manifest`` cannot serve (or be re-used for) this model and settings."""
    if manifest.get("format_version") != INDEX_FORMAT_VERSION:
        return "index format version differs"
    if manifest.get("model", {}).get("name") != embedder_name:
        return "embedding model differs"
    if dim is not None and manifest.get("model", {}).get("dim") != dim:
        return "embedding dimension differs"
    recorded = manifest.get("settings") or {}
    current = _settings_record(settings)
    if recorded.get("chunking") != current["chunking"]:
        return "chunking settings differ"
    if recorded.get("pipeline") != current["pipeline"]:
        return "the indexing code (reading, cleaning, sentence splitting) changed since the build"
    return None


def index_is_current(index_dir: str | os.PathLike, corpus_dir: str | os.PathLike,
                     embedder_name: str, settings: Settings = DEFAULT_SETTINGS) -> tuple[bool, str]:
    """Whether the index in ``index_dir`` can be used as is for ``corpus_dir``, and why not."""
    try:
        manifest = read_manifest(index_dir)
    except (IndexNotFoundError, IndexCorruptError) as exc:
        return False, str(exc)
    why = _incompatibility(manifest, embedder_name, settings)
    if why:
        return False, why
    missing = [f for f in DATA_FILES if not (Path(index_dir) / f).exists()]
    if missing:
        return False, f"missing files: {', '.join(missing)}"
    changes = corpus_changes(manifest, corpus_dir)
    if not changes.fresh:
        return False, f"corpus changed: {changes.summary()}"
    return True, "up to date"


def build_index(corpus_dir: str | os.PathLike, index_dir: str | os.PathLike,
                embedder: Embedder | None = None, settings: Settings = DEFAULT_SETTINGS,
                force: bool = False, progress: Callable[[str, int, int], None] | None = None
                ) -> BuildReport:
    """Index every document under ``corpus_dir`` into ``index_dir``; return what was done.

    Does nothing (status "up to date") when the existing index already matches the corpus, the
    model and the settings. Otherwise, when the existing index has the same format version, model
    (name and dimension) and chunking settings, only added or changed text is parsed and embedded
    (status "updated"); the result is the same as a full build's. ``force``, another model or
    settings, or an old index that cannot be read give a full build (status "built"; ``note`` says
    why). ``progress(stage, done, total)`` is called as texts are embedded. Raises ``CorpusError``
    if the folder has no indexable document, ``QAIndexError`` if the index cannot be written.
    """
    from qa.embed import default_embedder

    t0 = time.perf_counter()
    embedder = embedder or default_embedder()
    index_dir = Path(index_dir)
    # A killed build leaves its temporary folder behind; clean it even if nothing is rebuilt.
    if index_dir.parent.is_dir():
        remove_abandoned_temporaries(index_dir)
    manifest, previous, note = None, None, ""
    try:
        manifest = read_manifest(index_dir)
    except IndexNotFoundError:
        pass
    except IndexCorruptError as exc:
        note = f"the previous index could not be read ({exc}); everything was embedded again"
    changes = corpus_changes(manifest or {}, corpus_dir)
    if manifest is not None:
        why = _incompatibility(manifest, embedder.name, settings, int(embedder.dim))
        if force:
            note = "forced: everything was embedded again"
        elif why:
            note = f"{why}: everything was embedded again"
        elif changes.fresh and all((index_dir / f).exists() for f in DATA_FILES):
            counts = manifest["counts"]
            return BuildReport(str(index_dir), "up to date", counts["documents"], counts["chunks"],
                               counts["sentences"], time.perf_counter() - t0,
                               tuple(IngestWarning(**w) for w in manifest.get("warnings", [])),
                               unchanged=len(changes.unchanged))
        else:
            try:
                previous = _load_previous(index_dir, manifest, embedder.name)
            except QAIndexError as exc:
                note = f"the previous index could not be re-used ({exc}); everything was embedded again"
    try:
        corpus, tables = _read_and_embed(corpus_dir, settings, embedder, previous, progress)
    except IndexCorruptError as exc:  # only raised while re-using ``previous``
        note = f"the previous index could not be re-used ({exc}); everything was embedded again"
        previous = None
        corpus, tables = _read_and_embed(corpus_dir, settings, embedder, None, progress)
    sentences, chunks, chunk_texts, chunk_vectors, sentence_vectors, embedded = tables

    root = Path(corpus_dir)
    sources = {}
    for rel, parsed in corpus.files.items():
        sources[rel] = {"doc_id": parsed.documents[-1].doc_id, "sha256": parsed.sha256,
                        **_file_signature(root / rel), "records": parsed.records,
                        "problems": list(parsed.problems)}
    # Skipped files are recorded too, so that an unchanged bad file does not make the index stale.
    for w in corpus.warnings:
        if w.path not in sources:
            record = _skipped_file_record(root / w.path)
            if record is not None:
                sources[w.path] = record
    new_manifest = {
        "format_version": INDEX_FORMAT_VERSION,
        "build_id": uuid.uuid4().hex,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": {"name": embedder.name, "dim": int(embedder.dim)},
        "settings": _settings_record(settings),
        # Relative to the index folder, so that a moved or cloned project still finds its corpus.
        "corpus_dir": os.path.relpath(root.resolve(), index_dir.resolve()),
        "sources": sources,
        "counts": {"documents": len(corpus.documents), "sentences": len(sentences), "chunks": len(chunks)},
        "warnings": [asdict(w) for w in corpus.warnings],
    }
    doc_rows = {d.doc_id: i for i, d in enumerate(corpus.documents)}
    try:
        _write_index_atomically(index_dir, new_manifest, corpus.documents, doc_rows, sentences, chunks,
                                chunk_vectors, sentence_vectors, chunk_texts)
    except OSError as exc:  # full disk, read-only or misplaced folder: the old index is untouched
        raise QAIndexError(f"cannot write the index to {index_dir} ({exc.strerror or exc}); "
                           f"check that its folder is writable and has free space") from exc
    return BuildReport(str(index_dir), "updated" if previous is not None else "built",
                       len(corpus.documents), len(chunks), len(sentences), time.perf_counter() - t0,
                       corpus.warnings, len(changes.added), len(changes.changed), len(changes.removed),
                       len(changes.unchanged), embedded, note)


# --- re-using the previous index -----------------------------------------------------------------

@dataclass(frozen=True)
class _Previous:
    """What a build can take from the index already in the folder."""

    index: LoadedIndex  # without its lexical index (rebuilt every time)
    files: dict[str, ParsedFile]  # source path -> what it gave, for ``read_corpus(reuse=...)``
    rows_by_text: dict[str, int]  # hash of a document's text -> its row


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_previous(index_dir: Path, manifest: dict, embedder_name: str) -> _Previous:
    """The index in ``index_dir``, checked (sizes, tables and file checksums) for re-use.

    Raises ``QAIndexError`` (a subclass) when it cannot be re-used safely.
    """
    import faiss

    index = _load_files(index_dir, manifest, embedder_name, lexical=False)
    checksums = manifest.get("checksums")
    if isinstance(checksums, dict):  # indexes written before checksums were recorded have none
        altered = [name for name in DATA_FILES if checksums.get(name) != _file_sha256(index_dir / name)]
        if altered:
            raise IndexCorruptError(f"{', '.join(altered)} altered since it was written (checksum differs)")
    if _current_build_id(index_dir) != manifest["build_id"]:
        raise IndexCorruptError(f"{index_dir} was replaced while it was read")
    if not isinstance(index.faiss_index, faiss.IndexFlat):  # only a flat index gives its vectors back
        raise IndexCorruptError(f"{FAISS_FILE} is not a flat FAISS index")
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
    rows_by_text = {_text_key(d.text): row for row, d in enumerate(index.documents)}
    return _Previous(index, files, rows_by_text)


def _row_ranges(doc_column: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of each document's rows in a table sorted by document row."""
    if doc_column.size and np.any(np.diff(doc_column) < 0):
        raise IndexCorruptError("table rows are not in document order")
    rows = np.arange(n_docs)
    return (np.searchsorted(doc_column, rows, side="left"),
            np.searchsorted(doc_column, rows, side="right"))


def _read_and_embed(corpus_dir, settings: Settings, embedder: Embedder, previous: _Previous | None,
                    progress: Callable[[str, int, int], None] | None):
    """Read the corpus, cut it into sentences and passages, and give every row its vector.

    Returns (corpus, (sentences, chunks, chunk texts, chunk vectors, sentence vectors, number of
    texts embedded)). With ``previous``, unchanged files are not parsed and unchanged documents
    take their sentence spans and vectors from it; raises ``IndexCorruptError`` if its tables
    disagree with what the documents give.
    """
    corpus: Corpus = read_corpus(corpus_dir, settings, reuse=previous.files if previous else None)
    if not corpus.documents:
        detail = "; ".join(f"{w.path}: {w.message}" for w in corpus.warnings[:5])
        raise CorpusError(f"no indexable document in {corpus_dir}" + (f" ({detail})" if detail else ""))
    documents = corpus.documents
    old = previous.index if previous else None
    known: dict[int, int] = {}  # new document row -> old document row (same text and segments)
    if previous is not None:
        for row, doc in enumerate(documents):
            old_row = previous.rows_by_text.get(_text_key(doc.text))
            if old_row is not None and old.documents[old_row].segments == doc.segments:
                known[row] = old_row
        old_sent = _row_ranges(old.sentence_table[:, 0], len(old.documents))
        old_chunk = _row_ranges(old.chunk_table[:, 0], len(old.documents))
    spans = {documents[row].doc_id: old.sentence_table[old_sent[0][o]:old_sent[1][o], 1:3].tolist()
             for row, o in known.items()}
    sentences, chunks = chunk_documents(documents, settings.chunk, spans)
    doc_rows = {d.doc_id: i for i, d in enumerate(documents)}
    texts = [d.text for d in documents]
    chunk_texts = [passage_text(texts[doc_rows[c.doc_id]], sentences, c) for c in chunks]

    dim = int(embedder.dim)
    chunk_vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    sentence_vectors = np.zeros((len(sentences), dim), dtype=np.float32)
    chunk_todo = np.ones(len(chunks), dtype=bool)
    sentence_todo = np.ones(len(sentences), dtype=bool)
    if known:
        try:
            old_vectors = old.faiss_index.reconstruct_n(0, old.faiss_index.ntotal)
        except RuntimeError as exc:
            raise IndexCorruptError(f"cannot read the passage vectors back from {FAISS_FILE} "
                                    "(an approximate IVF index does not keep them)") from exc
        new_sent = _row_ranges(np.array([doc_rows[s.doc_id] for s in sentences], dtype=np.int64), len(documents))
        new_chunk_table = np.array([[doc_rows[c.doc_id], c.first_sentence, c.last_sentence] for c in chunks],
                                   dtype=np.int64)
        new_chunk = _row_ranges(new_chunk_table[:, 0], len(documents))
        for row, o in known.items():
            ns, os_ = int(new_sent[0][row]), int(old_sent[0][o])
            nc, nc_end = int(new_chunk[0][row]), int(new_chunk[1][row])
            oc, oc_end = int(old_chunk[0][o]), int(old_chunk[1][o])
            n_sent = int(new_sent[1][row]) - ns
            # The passages are windows over the same sentences: they must line up one for one.
            if (nc_end - nc != oc_end - oc
                    or not np.array_equal(new_chunk_table[nc:nc_end, 1:] - ns, old.chunk_table[oc:oc_end, 1:] - os_)):
                raise IndexCorruptError(f"the passages of {documents[row].doc_id!r} do not match its sentences")
            sentence_vectors[ns:ns + n_sent] = old.sentence_vectors[os_:os_ + n_sent]
            chunk_vectors[nc:nc_end] = old_vectors[oc:oc_end]
            sentence_todo[ns:ns + n_sent] = False
            chunk_todo[nc:nc_end] = False
    chunk_rows, sentence_rows = np.flatnonzero(chunk_todo), np.flatnonzero(sentence_todo)
    total = len(chunk_rows) + len(sentence_rows)
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress("embedding", done[0], total)

    # Passages first, then sentences, each in table order: the order a full build embeds them in.
    if len(chunk_rows):
        chunk_vectors[chunk_rows] = embedder.encode([chunk_texts[i] for i in chunk_rows], progress=tick)
    if len(sentence_rows):
        sentence_vectors[sentence_rows] = embedder.encode(
            [texts[doc_rows[sentences[i].doc_id]][sentences[i].start:sentences[i].end] for i in sentence_rows],
            progress=tick)
    return corpus, (sentences, chunks, chunk_texts, chunk_vectors, sentence_vectors, total)


# --- writing -------------------------------------------------------------------------------------

def _write_index_atomically(index_dir: Path, manifest: dict, documents, doc_rows, sentences,
                            chunks, chunk_vectors, sentence_vectors, chunk_texts) -> None:
    import faiss

    from qa.retrieve import build_lexical_index

    with replacing(index_dir) as tmp:
        with open(tmp / DOCUMENTS, "w", encoding="utf-8") as fh:
            for d in documents:
                row = {"doc_id": d.doc_id, "title": d.title, "path": d.path, "sha256": d.sha256,
                       "date": d.date, "url": d.url, "source": d.source, "author": d.author,
                       "pages": list(d.pages), "text": d.text,
                       "segments": [[s.start, s.end, int(s.kept), s.reason] for s in d.segments]}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        sent_table = np.array([[doc_rows[s.doc_id], s.start, s.end] for s in sentences], dtype=np.int64)
        chunk_table = np.array([[doc_rows[c.doc_id], c.first_sentence, c.last_sentence] for c in chunks],
                               dtype=np.int64)
        np.save(tmp / SENTENCES, sent_table.reshape(-1, 3))
        np.save(tmp / CHUNKS, chunk_table.reshape(-1, 3))
        np.save(tmp / SENTENCE_VECTORS, sentence_vectors.astype(np.float16))
        # Exact search for small collections, IVF-SQ8 for large ones (qa/ann.py).
        spec = choose_index_spec(len(chunk_vectors))
        faiss.write_index(build_vector_index(chunk_vectors, spec), str(tmp / FAISS_FILE))
        build_lexical_index(chunk_texts, tmp / LEXICAL_DIR)
        manifest = dict(manifest, vector_index=spec.to_dict(),
                        files={name: (tmp / name).stat().st_size for name in DATA_FILES},
                        # Checked before a later build re-uses the files (not on every load).
                        checksums={name: _file_sha256(tmp / name) for name in DATA_FILES})
        # The manifest is written last: a folder without one is never taken for an index.
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())


# --- loading -------------------------------------------------------------------------------------

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
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            segments = tuple(Segment(int(s), int(e), bool(k), str(r)) for s, e, k, r in row["segments"])
            pages = tuple(int(p) for p in row.get("pages") or ())
            docs.append(Document(row["doc_id"], row["title"], row["text"], row["path"], row["sha256"],
                                 segments, row.get("date"), row.get("url"), row.get("source"),
                                 row.get("author"), pages))
    return tuple(docs)


def load_index(index_dir: str | os.PathLike, embedder_name: str | None = None,
               corpus_dir: str | os.PathLike | None = None, check_stale: bool = True) -> LoadedIndex:
    """Load and validate an index folder.

    Raises ``IndexNotFoundError`` (nothing there), ``IndexMismatchError`` (other format version or
    model), ``IndexCorruptError`` (missing, truncated or inconsistent files) or ``IndexStaleError``
    (``check_stale`` and the source folder recorded in the manifest, or ``corpus_dir``, changed).
    Each message says what to run.
    """
    index_dir = Path(index_dir)
    recover(index_dir, MANIFEST)
    for _attempt in range(3):
        manifest = read_manifest(index_dir)
        try:
            loaded = _load_files(index_dir, manifest, embedder_name)
        except IndexCorruptError:
            # Files read across a swap disagree with each other: that is a rebuild, not damage.
            if _current_build_id(index_dir) != manifest["build_id"]:
                continue
            raise
        # A rebuild may have swapped the folder while we read it: make sure we saw one build.
        if _current_build_id(index_dir) == manifest["build_id"]:
            break
    else:
        raise IndexCorruptError(f"{index_dir} kept changing while it was read; try again")
    if check_stale:
        source = corpus_dir or recorded_corpus_dir(index_dir, manifest)
        if source and Path(source).is_dir():
            changes = corpus_changes(manifest, source)
            if not changes.fresh:
                raise IndexStaleError(
                    f"the corpus {source} changed since the index was built ({changes.summary()}); "
                    f"rebuild with `qa index {source} --index-dir {index_dir}`")
    return loaded


def _current_build_id(index_dir: Path) -> str | None:
    try:
        return read_manifest(index_dir)["build_id"]
    except (IndexNotFoundError, IndexCorruptError):
        return None


def recorded_corpus_dir(index_dir: str | os.PathLike, manifest: dict) -> Path | None:
    """The corpus folder an index was built from (the manifest stores it relative to the index)."""
    recorded = manifest.get("corpus_dir")
    if not recorded:
        return None
    return (Path(index_dir) / recorded).resolve()


def _load_files(index_dir: Path, manifest: dict, embedder_name: str | None,
                lexical: bool = True) -> LoadedIndex:
    """The files of an index, checked against ``manifest``; ``lexical=False`` skips the bm25s index."""
    import faiss

    from qa.retrieve import load_lexical_index

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
    for name in DATA_FILES:
        path = index_dir / name
        if not path.exists():
            raise IndexCorruptError(f"{path} is missing; {rebuild}")
        expected = manifest.get("files", {}).get(name)
        if expected is not None and path.stat().st_size != expected:
            raise IndexCorruptError(f"{path} is truncated or altered (size differs); {rebuild}")
    try:
        documents = _load_documents(index_dir / DOCUMENTS)
        sentences = np.load(index_dir / SENTENCES, allow_pickle=False)
        chunks = np.load(index_dir / CHUNKS, allow_pickle=False)
        vectors = np.load(index_dir / SENTENCE_VECTORS, allow_pickle=False, mmap_mode="r")
        faiss_index = faiss.read_index(str(index_dir / FAISS_FILE))
        apply_search_params(faiss_index, IndexSpec(**manifest.get("vector_index", {"factory": "Flat"})))
        lexical_index = load_lexical_index(index_dir / LEXICAL_DIR) if lexical else None
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
    if faiss_index.ntotal != counts.get("chunks") or faiss_index.d != dim:
        problems.append("FAISS index size or dimension")
    if vectors.shape != (counts.get("sentences"), dim):
        problems.append("sentence vectors")
    if lexical and getattr(lexical_index, "scores", {}).get("num_docs") != counts.get("chunks"):
        problems.append("lexical index size")
    if not problems:
        problems += _table_range_problems(documents, sentences, chunks)
    if problems:
        raise IndexCorruptError(f"{index_dir} is inconsistent ({', '.join(problems)}); {rebuild}")
    return LoadedIndex(str(index_dir), manifest, documents, sentences, chunks, faiss_index, vectors,
                       lexical_index, {d.doc_id: i for i, d in enumerate(documents)})
