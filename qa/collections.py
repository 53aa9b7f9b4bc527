"""Collections: several corpora, each with its own index, side by side.

A collection is a folder ``<root>/<name>/`` holding ``corpus/`` (its documents) and ``index/``.
The root is ``$QA_COLLECTIONS_DIR`` (read when a function is called) or ``<project>/collections``.
The shipped corpus is the collection named ``"default"``: it maps to the project's ``corpus/`` and
``index/`` (``qa.config.default_corpus_dir()`` / ``default_index_dir()``) and is read-only here.

``add_documents`` is the one way documents enter a collection: it checks every file first (type,
size, a plain file name), copies them into the collection's corpus folder, and updates the index
incrementally. ``collection_index_dir`` resolves a name to the index that answers for it, and
``index_overview`` lists what an index holds, file by file, with each file's status.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qa.config import (
    DEFAULT_SETTINGS,
    MAX_DOCUMENT_BYTES,
    PROJECT_ROOT,
    Settings,
    default_corpus_dir,
    default_index_dir,
)
from qa.errors import (
    CorpusError,
    EmptyCollectionError,
    QuestionError,
    UnknownCollectionError,
)
from qa.index.manifest import MANIFEST
from qa.ingest.corpus import CORPUS_SUFFIXES
from qa.ingest.uploads import check_size

#: The shipped corpus and its index, always listed first and never written to.
DEFAULT_COLLECTION = "default"
__all__ = ["DEFAULT_COLLECTION", "MAX_DOCUMENT_BYTES", "CollectionPaths", "DocumentEntry",
           "IndexOverview", "add_documents", "check_upload", "collection_index_dir",
           "collection_paths", "collections_root", "create_collection", "existing_collection",
           "index_overview", "list_collections"]
_NAME = re.compile(r"[a-z0-9_-]{1,40}")


@dataclass(frozen=True)
class CollectionPaths:
    """Where a collection's documents and index live."""

    name: str
    corpus_dir: Path
    index_dir: Path
    read_only: bool


def collections_root() -> Path:
    """The folder holding user collections: ``$QA_COLLECTIONS_DIR`` or ``<project>/collections``."""
    env = os.environ.get("QA_COLLECTIONS_DIR")
    return Path(env) if env else PROJECT_ROOT / "collections"


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise CorpusError(f"{name!r} is not a valid collection name: use 1 to 40 characters from "
                          "a-z, 0-9, '_' and '-'")
    return name


def list_collections() -> list[str]:
    """Every collection's name: ``"default"`` first, then the user collections, sorted."""
    root = collections_root()
    names = []
    if root.is_dir():
        names = sorted(p.name for p in root.iterdir()
                       if p.is_dir() and _NAME.fullmatch(p.name) and p.name != DEFAULT_COLLECTION)
    return [DEFAULT_COLLECTION, *names]


def collection_paths(name: str) -> CollectionPaths:
    """The folders of collection ``name`` (which need not exist yet); ``CorpusError`` for a bad name."""
    if name == DEFAULT_COLLECTION:
        return CollectionPaths(name, default_corpus_dir(), default_index_dir(), read_only=True)
    folder = collections_root() / _check_name(name)
    return CollectionPaths(name, folder / "corpus", folder / "index", read_only=False)


def existing_collection(name: str) -> CollectionPaths:
    """The folders of the collection ``name``, which must exist (its index need not be built);
    ``UnknownCollectionError`` otherwise, with the known names in its message."""
    if name != DEFAULT_COLLECTION:
        known = list_collections()
        if name not in known:
            raise UnknownCollectionError(f"no collection named {name!r}; known collections: "
                                         f"{', '.join(known)} (create one in the web app's Corpus tab)")
    return collection_paths(name)


def collection_index_dir(name: str) -> Path:
    """The index folder that answers questions for collection ``name``.

    ``"default"`` gives the shipped corpus's index (``qa.config.default_index_dir()``, returned
    even when it is not built yet: loading it then says how to build it). Raises
    ``UnknownCollectionError`` when no collection has that name, with the known names in its
    message, and ``EmptyCollectionError`` when the collection exists but has no index yet (both are
    ``IndexNotFoundError``s). To build a collection's index, use ``existing_collection(name)``.
    """
    paths = existing_collection(name)
    if name != DEFAULT_COLLECTION and not (paths.index_dir / MANIFEST).is_file():
        raise EmptyCollectionError(f"the collection {name!r} has no documents yet: add some in the "
                                   f"web app's Corpus tab, or put files in {paths.corpus_dir} and "
                                   f"run `qa index --collection {name}`")
    return paths.index_dir


def create_collection(name: str) -> CollectionPaths:
    """Create an empty collection (its corpus folder); ``CorpusError`` if the name is invalid,
    reserved or taken."""
    if name == DEFAULT_COLLECTION:
        raise CorpusError(f"{DEFAULT_COLLECTION!r} is the shipped collection; choose another name")
    paths = collection_paths(name)
    try:
        paths.corpus_dir.parent.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise CorpusError(f"a collection named {name!r} already exists") from None
    except OSError as exc:
        raise CorpusError(f"cannot create collection {name!r} in {collections_root()} "
                          f"({exc.strerror or exc})") from exc
    paths.corpus_dir.mkdir()
    return paths


def check_upload(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """The file name under which ``path`` may be stored in a corpus; ``CorpusError`` if it is not a
    readable document type, is too big, or its name is not a plain visible file name."""
    name = path.name
    if (not name or name in (".", "..") or name.startswith(".") or "/" in name or "\\" in name
            or "\x00" in name or any(ord(c) < 32 for c in name)):
        raise CorpusError(f"{name!r} is not an acceptable file name (no leading dot, no folders)")
    if not name.lower().endswith(CORPUS_SUFFIXES):
        raise CorpusError(f"{name}: only {', '.join(CORPUS_SUFFIXES)} files can be added")
    check_size(path, max_bytes, CorpusError)
    return name


def add_documents(name: str, files: Sequence[str | os.PathLike], embedder=None,
                  settings: Settings = DEFAULT_SETTINGS):
    """Copy ``files`` into collection ``name``'s corpus and update its index; the ``BuildReport``.

    Every file is checked (``check_upload``) before any is copied, so a refused batch changes
    nothing. A file with the name of one already there replaces it. Raises ``CorpusError`` for the
    read-only default collection, a missing collection, or a refused file; ``QAIndexError`` if the
    index cannot be written. ``embedder`` must be the one the collection's index is searched with.
    """
    from qa.index.build import build_index

    paths = collection_paths(name)
    if paths.read_only:
        raise CorpusError(f"the {DEFAULT_COLLECTION!r} collection is read-only; "
                          "create a collection and add documents to it")
    if not paths.corpus_dir.is_dir():
        raise CorpusError(f"there is no collection named {name!r}; create it first")
    if not files:
        raise CorpusError("no files to add")
    corpus = paths.corpus_dir.resolve()
    planned: list[tuple[Path, Path]] = []
    for source in map(Path, files):
        target = (corpus / check_upload(source)).resolve()
        # resolve() follows a planted symlink: the target must still be directly in the corpus.
        if target.parent != corpus:
            raise CorpusError(f"{source.name}: refusing to write outside the collection's corpus")
        planned.append((source, target))
    for source, target in planned:
        partial = target.with_name(f".{target.name}.part")  # hidden: never read as a document
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    return build_index(paths.corpus_dir, paths.index_dir, embedder=embedder, settings=settings)


# --- what an index holds ---------------------------------------------------------------------------

#: A file's status in ``DocumentEntry.status`` (a skipped file's status is the reason it was skipped).
INDEXED = "indexed"
CHANGED = "changed since indexing"
REMOVED = "removed from the corpus"
NOT_INDEXED = "not indexed yet"


@dataclass(frozen=True)
class DocumentEntry:
    """One document of an index, or one file of its corpus that the index holds no document of.

    ``path`` is relative to the corpus folder (a ``.jsonl`` file gives one entry per document);
    ``doc_id`` is "" for a file without a document in the index, and then ``characters``,
    ``chunks`` and ``boilerplate`` are None. ``boilerplate`` is the share (0 to 1) of the text
    left out of the index. ``status`` is ``INDEXED``, ``CHANGED``, ``REMOVED``, ``NOT_INDEXED``,
    "copy of DOC_ID" (an exact duplicate, indexed once), or why the file was skipped.
    """

    path: str
    doc_id: str
    title: str
    date: str
    characters: int | None
    chunks: int | None
    boilerplate: float | None
    status: str


@dataclass(frozen=True)
class IndexOverview:
    """What the index in ``index_dir`` holds and whether it is up to date with ``corpus_dir``
    (the folder it was built from, None if the manifest does not record one); ``why`` says why
    not, or is "up to date". Indexed documents come first, in index order, then the other files."""

    index_dir: Path
    corpus_dir: Path | None
    manifest: dict
    fresh: bool
    why: str
    documents: tuple[DocumentEntry, ...]


def index_overview(index_dir: str | os.PathLike, embedder_name: str | None = None) -> IndexOverview:
    """List the documents of the index in ``index_dir`` with their status (see ``DocumentEntry``).

    A stale index is still listed (the overview says it is stale). ``embedder_name`` is the model
    the index is searched with (None: the one it was built with). Raises the ``QAIndexError`` of
    ``qa.index.load.load_index`` when there is no readable index.
    """
    import numpy as np

    from qa.index.cache import get_index
    from qa.index.manifest import corpus_changes, index_is_current, recorded_corpus_dir

    folder = Path(index_dir)
    index = get_index(folder, embedder_name, check_stale=False)
    manifest = index.manifest
    corpus_dir = recorded_corpus_dir(folder, manifest)
    changed: set[str] = set()
    removed: set[str] = set()
    added: tuple[str, ...] = ()
    if corpus_dir is None:
        fresh, why = False, "the manifest does not record the corpus folder"
    else:
        model = embedder_name or manifest.get("model", {}).get("name", "")
        fresh, why = index_is_current(folder, corpus_dir, model)
        if not fresh:
            changes = corpus_changes(manifest, corpus_dir)
            changed, removed, added = set(changes.changed), set(changes.removed), changes.added

    def file_status(path: str, otherwise: str) -> str:
        return CHANGED if path in changed else REMOVED if path in removed else otherwise

    chunks = np.bincount(np.asarray(index.chunk_table[:, 0], dtype=np.int64),
                         minlength=len(index.documents))
    entries = []
    for doc, n in zip(index.documents, chunks):
        kept = sum(end - start for start, end in doc.kept_spans)
        share = 1 - kept / len(doc.text) if doc.text else 0.0
        entries.append(DocumentEntry(doc.path, doc.doc_id, doc.title, doc.date or "", len(doc.text),
                                     int(n), share, file_status(doc.path, INDEXED)))
    listed = {doc.path for doc in index.documents}
    copy_of = {copy.split(":")[0]: doc.doc_id for doc in index.documents for copy in doc.copies}
    skipped = {w.get("path"): w.get("message") or "skipped" for w in manifest.get("warnings") or []}
    for path, record in manifest.get("sources", {}).items():
        if path in listed:
            continue
        if path in copy_of:
            status = f"copy of {copy_of[path]}"
        else:
            status = skipped.get(path, "skipped") if record.get("doc_id") is None else INDEXED
        entries.append(DocumentEntry(path, "", Path(path).name, "", None, None, None,
                                     file_status(path, status)))
    entries += [DocumentEntry(path, "", Path(path).name, "", None, None, None, NOT_INDEXED)
                for path in added]
    return IndexOverview(folder, corpus_dir, manifest, fresh, why, tuple(entries))


def resolve_index_dir(index_dir: str | os.PathLike | None = None,
                      collection: str | None = None) -> Path | None:
    """The index folder to read: ``index_dir``, or the index of the collection named ``collection``.

    ``None`` for both means the default index. Raises ``QuestionError`` when both are given, and
    an ``IndexNotFoundError`` for a collection that does not exist (the message lists those that
    do) or has no index yet.
    """
    if collection is None:
        return Path(index_dir) if index_dir is not None else None
    if index_dir is not None:
        raise QuestionError("give either index_dir or collection, not both")
    return collection_index_dir(collection)
