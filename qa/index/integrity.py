"""Checksums of an index's files: recorded when the index is written, verified when it is loaded
(the files answers quote from) and on request (every file, ``qa status --verify``).

A same-size edit of ``documents.jsonl`` ("Kai-Fu Lee" -> "Bob X. Ray") passes every size and range
check, and answers would quote it as if it were the source. So each load hashes the files a quote
is cut from: the documents and the two tables (``VERIFIED_ON_LOAD``). The heavier files (vectors,
FAISS, the lexical arrays) only decide which passages are read; damage there gives worse answers,
never a false quote, and hashing them (gigabytes at 1M passages) is left to ``verify_index``.
An index whose manifest lacks the checksums is refused with the command that rebuilds it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from qa.checksums import file_sha256
from qa.errors import IndexChecksumError, IndexCorruptError
from qa.index.manifest import (
    LEXICAL_DIR,
    altered_files,
    data_files,
    read_manifest,
    rebuild_hint,
    require_checksums,
)

def written_files(folder: Path, manifest: dict) -> tuple[str, ...]:
    """The files of a freshly written index folder that its manifest records (size and checksum):
    ``data_files(manifest)`` and every file of the lexical index, as ``lexical/NAME``."""
    lexical = folder / LEXICAL_DIR
    extra = sorted(f"{LEXICAL_DIR}/{p.name}" for p in lexical.iterdir() if p.is_file()) if lexical.is_dir() else []
    return tuple(data_files(manifest)) + tuple(extra)


def file_records(folder: Path, names) -> dict:
    """``{"files": {name: size}, "checksums": {name: sha256}}`` for the manifest."""
    return {"files": {name: (folder / name).stat().st_size for name in names},
            "checksums": {name: file_sha256(folder / name) for name in names}}


def recorded_files(manifest: dict) -> tuple[str, ...]:
    """Every file the manifest records a checksum of (data files first, then the lexical ones)."""
    checksums = manifest.get("checksums")
    return tuple(checksums) if isinstance(checksums, dict) else ()


def checksum_error(index_dir: str | os.PathLike, altered) -> IndexChecksumError:
    """The error for files that differ from their recorded checksums."""
    return IndexChecksumError(
        f"{', '.join(altered)} in {index_dir} changed since the index was written (checksum differs): "
        f"answers from it cannot be trusted; {rebuild_hint(index_dir)}")


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify_index`` checked: how many files, how many bytes, in how many seconds."""

    index_dir: str
    files: int
    bytes: int
    seconds: float

    def summary(self) -> str:
        return (f"verified {self.files} files ({self.bytes / 1e6:.1f} MB) against their checksums "
                f"in {self.seconds:.2f} s: all intact")


def verify_index(index_dir: str | os.PathLike) -> VerifyReport:
    """Hash every file the manifest of ``index_dir`` records (documents, tables, vectors, FAISS,
    the lexical index) and compare with the recorded checksums.

    Raises ``IndexNotFoundError``/``IndexCorruptError`` (no readable manifest),
    ``IndexUnverifiableError`` (the manifest lacks checksums) or ``IndexChecksumError`` (a file
    differs); each message says what to run.
    """
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    require_checksums(index_dir, manifest)
    names = recorded_files(manifest)
    altered = altered_files(index_dir, manifest, names)
    if altered:
        raise checksum_error(index_dir, altered)
    size = 0
    for name in names:
        try:
            size += (index_dir / name).stat().st_size
        except OSError as exc:  # removed after it was hashed
            raise IndexCorruptError(f"{index_dir / name} is missing; {rebuild_hint(index_dir)}") from exc
    return VerifyReport(str(index_dir), len(names), size, time.perf_counter() - t0)
