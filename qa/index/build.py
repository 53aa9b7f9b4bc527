"""Build, save and load the index: a folder of plain files described by ``manifest.json``.

Layout of an index folder (no pickle anywhere):

- ``manifest.json``: format version, build id, model name and dimension, chunking parameters,
  source folder, a content hash (and size, mtime) of every source document, counts, warnings
  (read and checked by ``qa.index.manifest``).
- ``documents.jsonl``: one line per document: id, title, path, hash, date, url, source, author,
  page start offsets (PDF), full text, segments.
- ``sentences.npy`` (int64, n x 3: document row, start, end) and ``chunks.npy`` (int64, n x 3:
  document row, first sentence row, last sentence row exclusive).
- ``index.faiss``: inner-product FAISS index over the unit chunk vectors, row i = chunk i; or,
  with ``store="milvus"``, a Milvus collection (a Milvus Lite file in the folder, or a server) named
  in the manifest (``qa.vectors.store``, ``qa.vectors.milvus``).
- ``chunk_vectors.npy``: float32 unit vectors of every chunk, what a later build re-uses.
- ``sentence_vectors.npy``: float16 unit vectors of every sentence (used by the extractor).
- ``lexical/``: the bm25s index of the chunk texts.

A build re-uses what it can of the index already in the folder (same format, model and chunking
settings): the documents of source files whose bytes are unchanged (no re-parsing), and the sentence
spans and vectors of every document whose text is unchanged, so only new or edited text is embedded.
The tables it writes are the same as a full build's (``qa.index.reuse``).

Writes go to a temporary sibling folder that is swapped into place atomically (``qa.index.atomic``), so a
reader (or a killed build) only ever sees the old index or the new one.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from qa.config import DEFAULT_SETTINGS, INDEX_FORMAT_VERSION, Settings
from qa.embed import Embedder
from qa.errors import CorpusError, IndexCorruptError, IndexNotFoundError, QAIndexError
from qa.index.atomic import remove_abandoned_temporaries, replacing
from qa.index.integrity import file_records, written_files
from qa.index.load import _load_files

# The manifest's names are re-exported: callers import them from here.
from qa.index.manifest import (  # noqa: F401
    CHUNK_VECTORS,
    CHUNKS,
    DATA_FILES,
    DOCUMENTS,
    FAISS_FILE,
    LEXICAL_DIR,
    MANIFEST,
    SENTENCE_VECTORS,
    SENTENCES,
    CorpusChanges,
    corpus_changes,
    current_build_id,
    data_files,
    incompatibility,
    index_is_current,
    load_check_problem,
    pipeline_fingerprint,
    read_manifest,
    recorded_corpus_dir,
    settings_record,
    source_records,
)
from qa.index.reuse import Previous, match_documents, previous_index, reused_vectors
from qa.ingest.chunk import chunk_documents, passage_text
from qa.ingest.corpus import Corpus, IngestWarning, read_corpus
from qa.vectors.store import (
    StoreChoice,
    create_store,
    discard_store,
    link_previous,
    recorded_store,
    retire_previous,
    store_problem,
)


@dataclass(frozen=True)
class BuildReport:
    """What ``build_index`` did.

    ``status`` is "built" (everything embedded), "updated" (only new or changed text embedded) or
    "up to date" (nothing to do). ``added``/``changed``/``removed``/``unchanged`` count source files
    against the previous index (all "added" when there was none); ``embedded`` counts the texts
    (passages and sentences) embedded by this run, ``embedded_passages`` + ``embedded_sentences``;
    ``files_indexed`` counts the corpus files that gave at least one document and ``files_skipped``
    those left out whole (each has a warning), so that "added 14" with 4 files indexed is
    explained; ``note`` says why a full build was needed when an index was already there, or is
    empty.
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
    files_indexed: int = 0
    files_skipped: int = 0
    embedded_passages: int = 0
    embedded_sentences: int = 0




# --- building ------------------------------------------------------------------------------------

def build_index(corpus_dir: str | os.PathLike, index_dir: str | os.PathLike,
                embedder: Embedder | None = None, settings: Settings = DEFAULT_SETTINGS,
                force: bool = False, progress: Callable[[str, int, int], None] | None = None,
                *, store: str | None = None, uri: str | None = None, engine: str = "local",
                sentence_vectors: str | None = None) -> BuildReport:
    """Index every document under ``corpus_dir`` into ``index_dir``; return what was done.

    Does nothing (status "up to date") when the existing index already matches the corpus, the
    model and the settings. Otherwise, when the existing index has the same format version, model
    (name and dimension) and chunking settings, only added or changed text is parsed and embedded
    (status "updated"); the result is the same as a full build's. ``force``, another model or
    settings, or an old index that cannot be read give a full build (status "built"; ``note`` says
    why). ``progress(stage, done, total)`` is called as texts are embedded.

    ``store`` ("faiss" or "milvus") and ``uri`` say where the passage vectors go
    (``qa.vectors.store.StoreChoice``); None keeps what the existing index uses (FAISS for a new
    one). Moving an index to another store re-uses its vectors: nothing is embedded again.
    ``engine="ray"`` embeds with Ray Data (``qa.embed.ray``) instead of in this process; the
    index is the same. ``sentence_vectors="lazy"`` embeds passages only: each sentence vector is
    computed when a question first reads it (``qa.index.lazy``; "build", the default for a new
    index, embeds them all now; None keeps what the existing index does). Raises ``CorpusError`` if
    the folder has no indexable document,
    ``QAIndexError`` if the index cannot be written (``VectorStoreError``: the store cannot be used).
    """
    from qa.embed import default_index_embedder, embedder_record

    t0 = time.perf_counter()
    if engine not in ("local", "ray"):
        raise ValueError(f"unknown embedding engine {engine!r}: use 'local' or 'ray'")
    embedder = embedder or default_index_embedder()
    model_record = embedder_record(embedder)  # before a Ray wrapper hides the precision
    if engine == "ray":
        from qa.embed.ray import RayEmbedder

        embedder = RayEmbedder(embedder)
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
    choice = StoreChoice.of(store, uri, manifest)
    recorded_mode = (manifest or {}).get("sentence_vectors", "build")
    mode = sentence_vectors or recorded_mode
    if mode not in ("build", "lazy"):
        raise ValueError(f"unknown sentence_vectors {mode!r}: use 'build' or 'lazy'")
    if manifest is not None:
        why = incompatibility(manifest, embedder.name, settings, int(embedder.dim),
                              precision=model_record["precision"])
        if not why and mode != recorded_mode:
            why = f"sentence vectors are now {'computed when read' if mode == 'lazy' else 'built'}"
        if force:
            note = "forced: everything was embedded again"
        elif why:
            note = f"{why}: everything was embedded again"
        elif (changes.fresh and choice.matches(manifest)
              and all((index_dir / f).exists() for f in data_files(manifest))
              and store_problem(index_dir, manifest) is None
              and load_check_problem(index_dir, manifest) is None):
            counts = manifest["counts"]
            warnings = tuple(IngestWarning(**w) for w in manifest.get("warnings", []))
            indexed = sum(1 for record in manifest.get("sources", {}).values() if record.get("doc_id"))
            return BuildReport(str(index_dir), "up to date", counts["documents"], counts["chunks"],
                               counts["sentences"], time.perf_counter() - t0, warnings,
                               unchanged=len(changes.unchanged), files_indexed=indexed,
                               files_skipped=_skipped_files(warnings))
        else:
            try:
                previous = previous_index(index_dir, manifest, _load_files(
                    index_dir, manifest, embedder.name, lexical=False, vectors=False, verify=False))
            except QAIndexError as exc:
                note = f"the previous index could not be re-used ({exc}); everything was embedded again"
    try:
        corpus, tables = _read_and_embed(corpus_dir, settings, embedder, previous, progress, mode == "lazy")
    except IndexCorruptError as exc:  # only raised while re-using ``previous``
        note = f"the previous index could not be re-used ({exc}); everything was embedded again"
        previous = None
        corpus, tables = _read_and_embed(corpus_dir, settings, embedder, None, progress, mode == "lazy")
    sentences, chunks, chunk_texts, chunk_vectors, sentence_vectors, embedded = tables
    embedded_passages, embedded_sentences = embedded

    root = Path(corpus_dir)
    new_manifest = {
        "format_version": INDEX_FORMAT_VERSION,
        "build_id": uuid.uuid4().hex,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": model_record,
        "settings": settings_record(settings),
        # Relative to the index folder, so that a moved or cloned project still finds its corpus.
        "corpus_dir": os.path.relpath(root.resolve(), index_dir.resolve()),
        "sources": source_records(corpus, root),
        "counts": {"documents": len(corpus.documents), "sentences": len(sentences), "chunks": len(chunks)},
        "warnings": [asdict(w) for w in corpus.warnings],
        "sentence_vectors": mode,
    }
    doc_rows = {d.doc_id: i for i, d in enumerate(corpus.documents)}
    try:
        _write_index_atomically(index_dir, new_manifest, corpus.documents, doc_rows, sentences, chunks,
                                chunk_vectors, sentence_vectors, chunk_texts, choice,
                                _previous_store(manifest))
    except OSError as exc:  # full disk, read-only or misplaced folder: the old index is untouched
        raise QAIndexError(f"cannot write the index to {index_dir} ({exc.strerror or exc}); "
                           f"check that its folder is writable and has free space") from exc
    return BuildReport(str(index_dir), "updated" if previous is not None else "built",
                       len(corpus.documents), len(chunks), len(sentences), time.perf_counter() - t0,
                       corpus.warnings, len(changes.added), len(changes.changed), len(changes.removed),
                       len(changes.unchanged), embedded_passages + embedded_sentences, note,
                       files_indexed=len(corpus.files), files_skipped=_skipped_files(corpus.warnings),
                       embedded_passages=embedded_passages, embedded_sentences=embedded_sentences)


def _skipped_files(warnings) -> int:
    """How many files the warnings say were left out whole (a file is counted once)."""
    return len({w.path for w in warnings if w.skips_file})


def _read_and_embed(corpus_dir, settings: Settings, embedder: Embedder, previous: Previous | None,
                    progress: Callable[[str, int, int], None] | None, lazy: bool = False):
    """Read the corpus, cut it into sentences and passages, and give every row its vector.

    Returns (corpus, (sentences, chunks, chunk texts, chunk vectors, sentence vectors, (passages
    embedded, sentences embedded))). With ``previous``, unchanged files are not parsed and unchanged documents
    take their sentence spans and vectors from it; raises ``IndexCorruptError`` if its tables
    disagree with what the documents give.
    """
    corpus: Corpus = read_corpus(corpus_dir, settings, reuse=previous.files if previous else None)
    if not corpus.documents:
        detail = "; ".join(f"{w.path}: {w.message}" for w in corpus.warnings[:5])
        raise CorpusError(f"no indexable document in {corpus_dir}" + (f" ({detail})" if detail else ""))
    documents = corpus.documents
    match = match_documents(previous, documents) if previous is not None else None
    sentences, chunks = chunk_documents(documents, settings.chunk, match.spans if match else {})
    doc_rows = {d.doc_id: i for i, d in enumerate(documents)}
    texts = [d.text for d in documents]
    chunk_texts = [passage_text(texts[doc_rows[c.doc_id]], sentences, c) for c in chunks]
    chunk_vectors, sentence_vectors, chunk_todo, sentence_todo = reused_vectors(
        previous, match, documents, sentences, chunks, doc_rows, int(embedder.dim))
    if lazy:  # no sentence vector is embedded now (``qa.index.lazy``)
        sentence_vectors, sentence_todo = sentence_vectors[:0], sentence_todo[:0]
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
    return corpus, (sentences, chunks, chunk_texts, chunk_vectors, sentence_vectors,
                    (len(chunk_rows), len(sentence_rows)))


# --- writing -------------------------------------------------------------------------------------

def _previous_store(manifest: dict | None) -> dict | None:
    """The store record of the index being replaced (None if there is none or it is unreadable)."""
    try:
        return recorded_store(manifest) if manifest else None
    except IndexCorruptError:
        return None


def _write_index_atomically(index_dir: Path, manifest: dict, documents, doc_rows, sentences,
                            chunks, chunk_vectors, sentence_vectors, chunk_texts,
                            choice: StoreChoice = StoreChoice(), previous_store: dict | None = None) -> None:
    written: dict = {}
    try:
        with replacing(index_dir) as tmp:
            _write_files(tmp, manifest, documents, doc_rows, sentences, chunks, chunk_vectors,
                         sentence_vectors, chunk_texts, choice, previous_store, written)
    except BaseException:
        # A collection written outside the folder would outlive the abandoned build.
        if written.get("store"):
            discard_store(written["store"], index_dir)
        raise
    retire_previous(previous_store, written["store"])


def _write_files(tmp: Path, manifest: dict, documents, doc_rows, sentences, chunks, chunk_vectors,
                 sentence_vectors, chunk_texts, choice: StoreChoice, previous_store: dict | None,
                 written: dict) -> None:
    from qa.index.lexical import build_lexical_index

    with open(tmp / DOCUMENTS, "w", encoding="utf-8") as fh:
        for d in documents:
            row = {"doc_id": d.doc_id, "title": d.title, "path": d.path, "sha256": d.sha256,
                   "date": d.date, "url": d.url, "source": d.source, "author": d.author,
                   "pages": list(d.pages), "copies": list(d.copies), "text": d.text,
                   "segments": [[s.start, s.end, int(s.kept), s.reason, s.kind, int(s.joined)]
                                for s in d.segments]}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    sent_table = np.array([[doc_rows[s.doc_id], s.start, s.end] for s in sentences], dtype=np.int64)
    chunk_table = np.array([[doc_rows[c.doc_id], c.first_sentence, c.last_sentence] for c in chunks],
                           dtype=np.int64)
    np.save(tmp / SENTENCES, sent_table.reshape(-1, 3))
    np.save(tmp / CHUNKS, chunk_table.reshape(-1, 3))
    np.save(tmp / SENTENCE_VECTORS, sentence_vectors.astype(np.float16))
    np.save(tmp / CHUNK_VECTORS, np.ascontiguousarray(chunk_vectors, dtype=np.float32))
    # FAISS: exact search for small collections, IVF-SQ8 for large ones (qa/ann.py); Milvus:
    # a new collection (qa/milvus_store.py).
    dim = int(manifest["model"]["dim"])
    store = create_store(choice, tmp, manifest["build_id"], dim, len(chunk_vectors))
    try:
        written["store"] = store.manifest_fields()["store"]  # dropped if anything below fails
        store.add(chunk_vectors, np.arange(len(chunk_vectors), dtype=np.int64))
        record = link_previous(store.commit(), previous_store)
        written["store"] = record
        extra = {key: value for key, value in store.manifest_fields().items() if key != "store"}
    finally:
        store.close()
    build_lexical_index(chunk_texts, tmp / LEXICAL_DIR)
    manifest = dict(manifest, store=record, **extra)
    # Checked on every load (the files answers quote from), by `qa status --verify` (all of
    # them) and before a later build re-uses the files.
    names = written_files(tmp, dict(manifest, files={CHUNK_VECTORS: 0}))
    manifest = dict(manifest, **file_records(tmp, names))
    # The manifest is written last: a folder without one is never taken for an index.
    with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())


# --- loading -------------------------------------------------------------------------------------







