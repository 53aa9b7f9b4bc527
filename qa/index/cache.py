"""Loaded indexes kept in memory across calls and threads, keyed by folder, and reloaded when a
build swaps in a new index (the manifest changes). At most every ``STALE_CHECK_SECONDS`` the corpus
is compared with the manifest (sizes and times of its files), and a changed one is reported."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from qa.config import STALE_CHECK_SECONDS, default_index_dir
from qa.index.load import LoadedIndex, check_fresh, load_index

# Loaded indexes, keyed by folder; reloaded when the manifest's build id changes.
_CACHE: dict[str, tuple[str, float, LoadedIndex]] = {}
_CACHE_LOCK = threading.Lock()


def get_index(index_dir: str | os.PathLike | None = None, embedder_name: str | None = None,
              check_stale: bool = True, *, store: str | None = None, uri: str | None = None) -> LoadedIndex:
    """The loaded index of ``index_dir`` (default ``index/``), cached across calls and threads.

    ``store``/``uri`` override where the manifest says the passage vectors are (``load_index``).
    """
    path = str(Path(index_dir or default_index_dir()).resolve())
    key = path if store is None and uri is None else f"{path}\0{store}\0{uri}"
    manifest_path = Path(path) / "manifest.json"
    with _CACHE_LOCK:
        try:
            stamp = str(manifest_path.stat().st_mtime_ns)
        except OSError:
            stamp = ""
        cached = _CACHE.get(key)
        now = time.monotonic()
        if cached and cached[0] == stamp and stamp:
            loaded = cached[2]
            if check_stale and now - cached[1] >= STALE_CHECK_SECONDS:
                # The same build: only the corpus can have changed. Not a reload, which would
                # read and verify every table again under this lock every few seconds.
                check_fresh(path, loaded.manifest)
                _CACHE[key] = (stamp, now, loaded)
            _check_model(loaded, embedder_name, path)
            return loaded
        loaded = load_index(path, embedder_name=embedder_name, check_stale=check_stale, store=store, uri=uri)
        _CACHE[key] = (stamp, now, loaded)
        return loaded


def _check_model(loaded: LoadedIndex, embedder_name: str | None, path: str) -> None:
    from qa.errors import IndexMismatchError

    model = loaded.manifest.get("model", {}).get("name")
    if embedder_name is not None and model != embedder_name:
        raise IndexMismatchError(f"{path} was built with model {model!r}, not {embedder_name!r}; "
                                 f"rebuild with `qa index CORPUS_DIR --index-dir {path}`")


def clear_cache() -> None:
    """Forget every loaded index (the next call reloads from disk)."""
    with _CACHE_LOCK:
        _CACHE.clear()
