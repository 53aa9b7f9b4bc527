"""Where the passage vectors live and how they are searched: one protocol, two engines.

Every store holds unit float32 passage vectors under integer ids (the chunk row) and answers
inner-product top-k queries with FAISS's calling convention, ``search(queries, k) -> (scores, ids)``
(``(n, k)`` arrays, best first, ids padded with -1), so the retrievers need not know which engine
answers them.

- ``FaissStore`` (the default): an in-process FAISS index written to ``index.faiss`` inside the
  index folder, flat or IVF-SQ8 by size (``qa.vectors.ann``). Nothing to run, nothing to connect to.
- ``qa.vectors.milvus.MilvusStore``: a Milvus collection, embedded through Milvus Lite (a local
  folder) or on a Milvus server or cluster reached by URI, for corpora that outgrow one machine.

Only the passage vectors move to the engine. The documents, sentence tables, sentence vectors and
the BM25 lexical index stay in the index folder, so hybrid retrieval tokenises, stems and scores
exactly as with FAISS and the two stores give comparable results (docs/scaling.md says why and
when Milvus's own BM25 would be the better choice).

The manifest records the store (``store`` field: ``{"kind": "faiss"}`` or the Milvus URI and
collection); a manifest without one was written before stores existed and means FAISS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import IndexCorruptError, IndexMismatchError
from qa.vectors.ann import (
    IndexSpec,
    apply_search_params,
    build_vector_index,
    choose_index_spec,
)

#: The file of a FAISS vector store inside an index folder.
FAISS_FILE = "index.faiss"

#: The stores ``qa index --store`` understands.
STORE_KINDS = ("faiss", "milvus")


class VectorStore(Protocol):
    """What the index needs from an engine that holds the passage vectors."""

    kind: str
    dim: int

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Store unit float32 ``vectors`` (n x dim) under the int64 ``ids`` (n)."""
        ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner products and ids of the ``k`` best vectors per query row, best first.

        ``(scores, ids)``, both ``(len(queries), k)``; missing neighbours have id -1.
        """
        ...

    def count(self) -> int:
        """How many vectors the store holds."""
        ...

    def commit(self) -> dict:
        """Make what was added durable and searchable; return the manifest's ``store`` record."""
        ...

    def manifest_fields(self) -> dict:
        """What the manifest records about the store: ``store`` and any engine-specific fields."""
        ...

    def close(self) -> None:
        """Release connections and files (the store must not be used afterwards)."""
        ...


@dataclass(frozen=True)
class StoreChoice:
    """Which engine a build writes the passage vectors to.

    ``kind`` is "faiss" or "milvus"; ``uri`` (Milvus only) is a Milvus Lite file ending in ``.db``
    or a server address such as ``http://host:19530``; None means a Milvus Lite file inside the
    index folder.
    """

    kind: str = "faiss"
    uri: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in STORE_KINDS:
            raise ValueError(f"unknown vector store {self.kind!r}: use one of {', '.join(STORE_KINDS)}")
        if self.kind == "faiss" and self.uri is not None:
            raise ValueError("a URI only goes with --store milvus (FAISS lives in the index folder)")

    @classmethod
    def of(cls, store: str | None, uri: str | None, manifest: dict | None = None) -> StoreChoice:
        """The choice for ``store``/``uri``; what ``manifest`` records where they are None.

        A bare ``uri`` implies Milvus. A Milvus Lite path is made absolute (relative paths are
        read from the current folder, like any command-line path).
        """
        recorded = recorded_store(manifest) if manifest else {"kind": "faiss"}
        kind = store or ("milvus" if uri else recorded["kind"])
        if uri is None and kind == recorded["kind"]:
            uri = recorded.get("uri")
        if uri is not None and _is_lite_uri(uri) and not Path(uri).is_absolute():
            uri = str(Path(uri).resolve())
        return cls(kind, uri)

    def matches(self, manifest: dict) -> bool:
        """Whether an index with ``manifest`` already keeps its vectors where this choice says."""
        recorded = recorded_store(manifest)
        return recorded["kind"] == self.kind and recorded.get("uri") == self.uri


def _is_lite_uri(uri: str) -> bool:
    return uri.endswith(".db") and "://" not in uri


def recorded_store(manifest: dict) -> dict:
    """The manifest's ``store`` record; ``{"kind": "faiss"}`` for an index written before stores."""
    store = manifest.get("store")
    if store is None:
        return {"kind": "faiss"}
    if not isinstance(store, dict) or store.get("kind") not in STORE_KINDS:
        raise IndexCorruptError(f"the manifest names an unknown vector store ({store!r}); rebuild with `qa index`")
    return store


def store_files(manifest: dict) -> tuple[str, ...]:
    """The files of the index folder that hold the store (checked for presence and size)."""
    return (FAISS_FILE,) if recorded_store(manifest)["kind"] == "faiss" else ()


# --- FAISS ---------------------------------------------------------------------------------------

class FaissStore:
    """The passage vectors in a FAISS inner-product index, saved as ``index.faiss`` in ``folder``.

    Ids are FAISS row numbers: vectors must be added in id order, from 0, without gaps (which is
    how the chunk table numbers passages). The first ``add`` trains an IVF index on its vectors,
    so a build adds all its vectors at once.
    """

    kind = "faiss"

    def __init__(self, folder: Path, spec: IndexSpec, dim: int, index=None) -> None:
        self.folder = Path(folder)
        self.spec = spec
        self.dim = dim
        self.index = index  # the faiss object (tests and benchmarks tune it directly)

    # FAISS's own names, for code written against the bare faiss index.
    @property
    def d(self) -> int:
        return self.dim

    @property
    def ntotal(self) -> int:
        return self.count()

    @classmethod
    def create(cls, folder: Path, dim: int, n_vectors: int) -> FaissStore:
        """An empty store for about ``n_vectors`` vectors (the count picks flat or IVF-SQ8)."""
        return cls(folder, choose_index_spec(n_vectors), dim)

    @classmethod
    def open(cls, folder: Path, manifest: dict) -> FaissStore:
        """The store of the index in ``folder``; raises ``OSError``/``RuntimeError`` if unreadable."""
        import faiss

        spec = IndexSpec(**manifest.get("vector_index", {"factory": "Flat"}))
        # Memory-mapped (read-only): IO_FLAG_MMAP maps an IVF index's lists, IO_FLAG_MMAP_IFC a
        # flat index's codes; an opened store is only searched, builds create a new one.
        flag = faiss.IO_FLAG_MMAP if spec.nprobe else faiss.IO_FLAG_MMAP_IFC
        index = faiss.read_index(str(Path(folder) / FAISS_FILE), flag)
        apply_search_params(index, spec)
        return cls(folder, spec, int(index.d), index)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        start = self.count()
        if not np.array_equal(ids, np.arange(start, start + len(ids))):
            raise ValueError(f"FAISS rows are ids: add ids {start}..{start + len(ids) - 1} in order")
        if self.index is None:
            # Built in one go so that IVF trains on the very vectors it holds (``qa.vectors.ann``).
            self.index = build_vector_index(vectors, self.spec)
        else:
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def count(self) -> int:
        return 0 if self.index is None else int(self.index.ntotal)

    def vectors(self) -> np.ndarray:
        """Every stored vector, in id order; raises ``IndexCorruptError`` for IVF-SQ8 (lossy)."""
        import faiss

        if not isinstance(self.index, faiss.IndexFlat):
            raise IndexCorruptError(f"{FAISS_FILE} is an approximate index that does not keep its vectors")
        return self.index.reconstruct_n(0, self.index.ntotal)

    def commit(self) -> dict:
        import faiss

        if self.index is None:
            self.index = faiss.IndexFlatIP(self.dim)
        faiss.write_index(self.index, str(self.folder / FAISS_FILE))
        return {"kind": "faiss"}

    def manifest_fields(self) -> dict:
        """Besides ``store``, FAISS records its factory string and nprobe (``vector_index``)."""
        return {"store": {"kind": "faiss"}, "vector_index": self.spec.to_dict()}

    def close(self) -> None:
        self.index = None


# --- choosing, opening, cleaning up --------------------------------------------------------------

def create_store(choice: StoreChoice, folder: Path, build_id: str, dim: int, n_vectors: int):
    """An empty store of ``choice`` for a build writing into ``folder``."""
    if choice.kind == "faiss":
        return FaissStore.create(folder, dim, n_vectors)
    from qa.vectors.milvus import MilvusStore

    return MilvusStore.create(choice.uri, folder, build_id, dim, n_vectors)


def open_store(index_dir: Path, manifest: dict, store: str | None = None, uri: str | None = None):
    """The store an index was built with, opened for searching.

    ``store`` and ``uri`` override the manifest (a Milvus server that moved); asking for another
    kind than the index was built with raises ``IndexMismatchError``. Raises ``OSError`` or
    ``RuntimeError`` for an unreadable FAISS file, ``VectorStoreError`` for an unreachable Milvus.
    """
    recorded = recorded_store(manifest)
    kind = store or ("milvus" if uri else recorded["kind"])
    if kind != recorded["kind"]:
        raise IndexMismatchError(
            f"{index_dir} keeps its vectors in {recorded['kind']}, not {kind}; rebuild with "
            f"`qa index CORPUS_DIR --index-dir {index_dir} --store {kind}`")
    if kind == "faiss":
        if uri is not None:
            raise ValueError("a URI only goes with the milvus store")
        return FaissStore.open(index_dir, manifest)
    from qa.vectors.milvus import MilvusStore

    return MilvusStore.open(index_dir, recorded, uri)


def discard_store(record: dict, folder: Path) -> None:
    """Remove what a failed build wrote outside its own folder (a Milvus collection)."""
    if record.get("kind") == "milvus":
        from qa.vectors.milvus import drop_collection

        drop_collection(record, folder)


def store_problem(index_dir: Path, manifest: dict) -> str | None:
    """Why the store of an up-to-date index cannot serve it (a dropped collection, an unreachable
    server), or None. FAISS and in-folder Milvus Lite files are checked with the other files."""
    record = recorded_store(manifest)
    if record["kind"] != "milvus" or record.get("uri") is None:
        return None
    from qa.errors import VectorStoreError

    try:
        store = open_store(index_dir, manifest)
    except VectorStoreError as exc:
        return str(exc)
    try:
        count = store.count()
    finally:
        store.close()
    expected = manifest.get("counts", {}).get("chunks")
    return None if count == expected else f"the Milvus collection holds {count} vectors, not {expected}"


def link_previous(record: dict, previous: dict | None) -> dict:
    """``record`` naming the collection of the build it replaces on the same server (if any), so
    that the build after it can drop that one (``retire_previous``)."""
    if (record.get("kind") == "milvus" and record.get("uri") is not None and previous
            and previous.get("kind") == "milvus" and previous.get("uri") == record["uri"]):
        return dict(record, previous_collection=previous.get("collection"))
    return record


def retire_previous(previous: dict | None, current: dict) -> None:
    """After a swap, drop the collection two builds back (the previous one stays for readers
    that still hold it until they reload); FAISS and in-folder Milvus Lite need nothing."""
    if previous is None or current.get("kind") != "milvus":
        return
    from qa.vectors.milvus import retire

    retire(previous, current)
