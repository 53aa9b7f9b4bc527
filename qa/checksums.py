"""Content hashes of files, shared by every stage that must notice changed bytes (the corpus walk,
the manifest, the exported encoder)."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 hex digest of the bytes of ``path``, read in 1 MiB blocks; raises ``OSError``."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
