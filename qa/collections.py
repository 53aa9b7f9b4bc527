"""Collections: several corpora, each with its own index, side by side.

A collection is a folder ``<root>/<name>/`` holding ``corpus/`` (its documents) and ``index/``.
The root is ``$QA_COLLECTIONS_DIR`` (read when a function is called) or ``<project>/collections``.
The shipped corpus is the collection named ``"default"``: it maps to the project's ``corpus/`` and
``index/`` (``qa.config.default_corpus_dir()`` / ``default_index_dir()``) and is read-only here.

``add_documents`` is the one way documents enter a collection: it checks every file first (type,
size, a plain file name), copies them into the collection's corpus folder, and updates the index
incrementally.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qa.config import DEFAULT_SETTINGS, PROJECT_ROOT, Settings, default_corpus_dir, default_index_dir
from qa.errors import CorpusError
from qa.ingest import CORPUS_SUFFIXES

#: The shipped corpus and its index, always listed first and never written to.
DEFAULT_COLLECTION = "default"
#: Largest document accepted by ``add_documents``, in bytes.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
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
    if not path.is_file():
        raise CorpusError(f"{name}: not a readable file")
    size = path.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"{name} is {size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    return name


def add_documents(name: str, files: Sequence[str | os.PathLike], embedder=None,
                  settings: Settings = DEFAULT_SETTINGS):
    """Copy ``files`` into collection ``name``'s corpus and update its index; the ``BuildReport``.

    Every file is checked (``check_upload``) before any is copied, so a refused batch changes
    nothing. A file with the name of one already there replaces it. Raises ``CorpusError`` for the
    read-only default collection, a missing collection, or a refused file; ``QAIndexError`` if the
    index cannot be written. ``embedder`` must be the one the collection's index is searched with.
    """
    from qa.index import build_index

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
