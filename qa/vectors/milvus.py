"""The passage vectors in a Milvus collection: Milvus Lite on a laptop, a Milvus cluster by URI.

The same code serves both; only the URI differs (``pymilvus.MilvusClient``):

- no URI: a Milvus Lite file ``milvus-<build>.db`` *inside* the index folder. It is written into the
  build's temporary folder and swapped into place with the other files (``qa.index.atomic``), so readers
  see the old vectors or the new ones, never a mix, and nothing is left to clean up. Its name
  carries the build id because Milvus Lite keeps one in-process server per path: a reader that
  reloads after a rebuild must not be handed the server of the old, deleted files.
- a path ending in ``.db``: a Milvus Lite file elsewhere, shared by several indexes.
- ``http://host:19530`` (or https, tcp): a Milvus server or cluster.

Outside the index folder every build writes a new collection, ``qa_<build id>``, named in the
manifest; the folder swap is then what switches readers to it. After the swap the collection of
the build before the previous one is dropped: the previous one stays for a reader that still
holds the old index until it reloads. A build that fails drops its own collection.

Milvus Lite serves one process at a time per file (it locks it): with ``qa serve`` running on a
Milvus Lite index, ``qa ask`` from another process fails with a message that says so. Several
processes (or machines) sharing one index need a Milvus server.

Vectors are unit rows searched by inner product ("IP"), the same metric as FAISS, with the chunk
row as primary key. Collections of fewer than ``qa.vectors.ann.EXACT_LIMIT`` vectors are searched exactly
(FLAT, the same results as FAISS's flat index); larger ones get IVF_SQ8 with FAISS's list count
and probes (``qa.vectors.ann.choose_index_spec``).
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError, VectorStoreError
from qa.vectors.ann import choose_index_spec

INSTALL_HINT = "install the scale-out extra: pip install 'qa[scale]'"
#: Seconds to wait for a Milvus server before giving up.
CONNECT_TIMEOUT = 10.0
#: Rows per insert request (a gRPC message stays well under Milvus's 64 MB limit at 384-d).
INSERT_BATCH = 5000
PRIMARY, VECTOR = "id", "vector"

# Milvus Lite paths this process opened for reading, oldest first, per index folder (see ``_track``).
_LITE_READERS: dict[str, list[str]] = {}


def is_lite(uri: str) -> bool:
    """Whether ``uri`` names a Milvus Lite file rather than a server."""
    return uri.endswith(".db") and "://" not in uri


_LOGGER_LOCK = threading.Lock()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        cause = record.exc_info[1] if record.exc_info else None
        self.messages.append(str(cause) if cause else record.getMessage())


@contextmanager
def _lite_failures():
    """While opening a client: Milvus Lite's own failure reports (it logs a full traceback when,
    say, another process holds the file's lock), collected instead of printed; the caller puts the
    cause in its one clear error."""
    logger = logging.getLogger("milvus_lite.server_manager")
    with _LOGGER_LOCK:  # one opening at a time changes the logger
        handler, propagate = _Collect(), logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
        try:
            yield handler.messages
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate


def _connect(uri: str):
    """A ``MilvusClient`` for ``uri``; ``VectorStoreError`` if pymilvus is missing or it fails."""
    try:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException
    except ImportError as exc:
        raise VectorStoreError(f"the milvus store needs pymilvus: {INSTALL_HINT}") from exc
    if is_lite(uri):
        try:
            import milvus_lite  # noqa: F401
        except ImportError as exc:
            raise VectorStoreError(f"a .db URI needs Milvus Lite: {INSTALL_HINT}") from exc
        if not Path(uri).parent.is_dir():
            raise VectorStoreError(f"cannot create the Milvus Lite file {uri}: its folder does not exist")
    try:
        with _lite_failures() as failures:
            return MilvusClient(uri=uri, timeout=CONNECT_TIMEOUT)
    except MilvusException as exc:
        if is_lite(uri):
            why = failures[-1] if failures else exc.message
            raise VectorStoreError(
                f"cannot open the Milvus Lite file {uri} ({why}); Milvus Lite serves one "
                f"process at a time: stop the other process using it (a running `qa serve`?) or "
                f"keep the vectors on a Milvus server (--uri http://HOST:19530)") from exc
        raise VectorStoreError(f"cannot reach Milvus at {uri} ({exc.message}); check that the server "
                               f"is running and the URI is right") from exc


def _release_lite(path: str) -> None:
    """Stop this process's Milvus Lite server for ``path`` (flushes it and frees its lock)."""
    from milvus_lite import server_manager_instance

    server_manager_instance.release_server(path)


def _track(index_dir: Path, path: str) -> None:
    """Remember a reader's Milvus Lite path; stop the servers of builds older than the previous
    one (their folder was replaced and deleted, and no reader should hold them any more)."""
    opened = _LITE_READERS.setdefault(str(index_dir.resolve()), [])
    if path in opened:
        return
    opened.append(path)
    while len(opened) > 2:
        _release_lite(opened.pop(0))


def _milvus_index(n_vectors: int) -> tuple[dict, dict]:
    """(index parameters, search parameters) mirroring the FAISS choice for that many vectors."""
    spec = choose_index_spec(n_vectors)
    if spec.factory == "Flat":
        return {"index_type": "FLAT", "params": {}}, {}
    nlist = int(spec.factory[3:].split(",")[0])
    return {"index_type": "IVF_SQ8", "params": {"nlist": nlist}}, {"nprobe": spec.nprobe}


class MilvusStore:
    """A Milvus collection of passage vectors (``qa.vectors.store.VectorStore``)."""

    kind = "milvus"

    def __init__(self, client, record: dict, dim: int, lite_path: str | None, writer: bool) -> None:
        self.client = client
        self.record = record
        self.collection = record["collection"]
        self.dim = dim
        self._lite_path = lite_path
        self._writer = writer
        self._search_params = {"metric_type": "IP", "params": dict(record.get("search_params") or {})}

    @classmethod
    def create(cls, uri: str | None, folder: Path, build_id: str, dim: int, n_vectors: int) -> MilvusStore:
        """A new, empty collection for a build writing into ``folder`` (see the module notes)."""
        lite_file = f"milvus-{build_id[:12]}.db" if uri is None else None
        lite_path = str(Path(folder) / lite_file) if lite_file else (uri if is_lite(uri) else None)
        client = _connect(lite_path or uri)  # first: a missing package is a VectorStoreError
        from pymilvus import DataType
        index, search = _milvus_index(n_vectors)
        record = {"kind": "milvus", "uri": uri, "lite_file": lite_file, "collection": f"qa_{build_id}",
                  "metric": "IP", "index": index, "search_params": search}
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field(PRIMARY, DataType.INT64, is_primary=True)
        schema.add_field(VECTOR, DataType.FLOAT_VECTOR, dim=dim)
        params = client.prepare_index_params()
        params.add_index(field_name=VECTOR, index_type=index["index_type"], metric_type="IP",
                         params=index["params"])
        # Strong consistency: a search right after the build sees every inserted row.
        client.create_collection(record["collection"], schema=schema, index_params=params,
                                 consistency_level="Strong")
        return cls(client, record, dim, lite_path if lite_file else None, writer=True)

    @classmethod
    def open(cls, index_dir: Path, record: dict, uri: str | None = None) -> MilvusStore:
        """The collection an index was built with; ``uri`` overrides the recorded server.

        Raises ``IndexCorruptError`` if the in-folder Milvus Lite file is missing and
        ``VectorStoreError`` if the server cannot be reached or lacks the collection.
        """
        uri = uri or record.get("uri")
        lite_path = None
        if uri is None:
            lite_path = str(Path(index_dir) / str(record.get("lite_file")))
            if not Path(lite_path).is_dir():
                raise IndexCorruptError(f"{lite_path} is missing; rebuild with "
                                        f"`qa index CORPUS_DIR --index-dir {index_dir} --store milvus`")
            _track(Path(index_dir), lite_path)
        client = _connect(lite_path or uri)
        collection = record.get("collection")
        if not client.has_collection(collection):
            client.close()
            raise VectorStoreError(
                f"Milvus at {lite_path or uri} has no collection {collection!r} (dropped, or another "
                f"server); rebuild with `qa index CORPUS_DIR --index-dir {index_dir} --store milvus"
                + (f" --uri {uri}`" if uri else "`"))
        client.load_collection(collection)
        dim = int(next(f for f in client.describe_collection(collection)["fields"]
                       if f["name"] == VECTOR)["params"]["dim"])
        return cls(client, dict(record, uri=uri) if uri else record, dim, None, writer=False)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.asarray(ids, dtype=np.int64)
        for start in range(0, len(ids), INSERT_BATCH):
            rows = [{PRIMARY: int(i), VECTOR: v}
                    for i, v in zip(ids[start:start + INSERT_BATCH], vectors[start:start + INSERT_BATCH])]
            self.client.insert(self.collection, rows)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        if k <= 0 or not len(queries):
            return scores, ids
        found = self.client.search(self.collection, data=list(queries), limit=k, output_fields=[PRIMARY],
                                   search_params=self._search_params)
        for row, hits in enumerate(found):
            for col, hit in enumerate(hits[:k]):
                ids[row, col] = int(hit["id"])
                scores[row, col] = float(hit["distance"])
        return scores, ids

    def count(self) -> int:
        rows = self.client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def commit(self) -> dict:
        self.client.flush(self.collection)
        if self._lite_path:
            # The in-folder file must be complete and unlocked before the folder is swapped.
            self.close()
        return dict(self.record)

    def manifest_fields(self) -> dict:
        return {"store": dict(self.record)}

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._writer and self._lite_path:
            _release_lite(self._lite_path)


# --- clean-up of collections outside the index folder -------------------------------------------

def drop_collection(record: dict, folder: Path) -> None:
    """Drop the collection of ``record`` when it lives outside the index folder."""
    if record.get("uri") is None:
        return  # in the build's own folder: deleted with it
    client = _connect(record["uri"])
    try:
        if client.has_collection(record["collection"]):
            client.drop_collection(record["collection"])
    finally:
        client.close()


def retire(previous: dict, current: dict) -> None:
    """Drop the collection that ``previous`` (the replaced build) kept for its own predecessor."""
    old = previous.get("previous_collection")
    if (previous.get("kind") != "milvus" or current.get("uri") is None
            or previous.get("uri") != current.get("uri") or not old
            or old in (previous.get("collection"), current.get("collection"))):
        return
    drop_collection({"uri": current["uri"], "collection": old}, Path("."))
