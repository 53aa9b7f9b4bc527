"""Files a user hands over (the web app's uploads): how big each kind may be.

Two kinds reach the library this way, each with its own limit from ``qa.config``: documents added
to a collection (``MAX_DOCUMENT_BYTES``, checked by ``qa.collections.check_upload``) and question
files evaluated on the Evaluate tab (``MAX_QUESTION_FILE_BYTES``, ``check_question_file``). A web
server can only refuse uploads above one size for all of them (``MAX_UPLOAD_BYTES``); the smaller
limits are enforced here, with a message that names the file, its size and the limit.
"""

from __future__ import annotations

import os
from pathlib import Path

from qa.config import MAX_DOCUMENT_BYTES, MAX_QUESTION_FILE_BYTES
from qa.errors import EvaluationError, QAError

#: The largest upload of any kind, in bytes: what the web server accepts at all.
MAX_UPLOAD_BYTES = max(MAX_DOCUMENT_BYTES, MAX_QUESTION_FILE_BYTES)


def megabytes(n_bytes: int) -> str:
    """``n_bytes`` in MB (2**20 bytes) as people read it: "20 MB", "5.3 MB"."""
    mb = n_bytes / 2**20
    return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"


def check_size(path: str | os.PathLike, max_bytes: int, error: type[QAError]) -> int:
    """The size of file ``path`` in bytes; ``error`` (a ``QAError`` subclass) if it is not a
    readable file or is larger than ``max_bytes``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise error(f"{path.name}: not a readable file") from None
    if not path.is_file():
        raise error(f"{path.name}: not a readable file")
    if size > max_bytes:
        raise error(f"{path.name} is {megabytes(size)}; the limit is {megabytes(max_bytes)}")
    return size


def check_question_file(path: str | os.PathLike, max_bytes: int = MAX_QUESTION_FILE_BYTES) -> Path:
    """``path`` as a ``Path`` if it may be read as a question file: ``EvaluationError`` when it is
    missing, not a file, or larger than ``max_bytes`` (5 MB by default)."""
    check_size(path, max_bytes, EvaluationError)
    return Path(path)
