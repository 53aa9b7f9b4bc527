"""What parsing libraries say while they read one file, captured for that file's report.

pypdf logs "EOF marker not found" or "Ignoring wrong pointing object" through ``logging``, and
libraries raise ``warnings``; left alone, both reach stderr with no file name, interleaved with the
build's own output. ``captured_messages`` collects them while one file is read, so that they become
problems of that file (``IngestWarning``) instead.
"""

from __future__ import annotations

import logging
import threading
import warnings
from contextlib import contextmanager
from typing import Iterator

#: Loggers of the libraries the readers call (``qa.ingest.formats``).
LIBRARY_LOGGERS = ("pypdf", "trafilatura", "htmldate", "courlan", "justext", "charset_normalizer",
                   "markdown_it", "fpdf")
#: At most this many library messages are kept per file; the rest are counted.
MAX_MESSAGES = 5


#: ``warnings.catch_warnings`` changes process-wide state: two threads reading files at once (two
#: uploads in the web app) take turns, so neither restores the other's filters half-way.
_CAPTURE_LOCK = threading.Lock()


class _Collector(logging.Handler):
    """Collects the records of the thread that reads the file, not those of other threads (a
    question being answered meanwhile)."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- a badly formatted library message is still a message
            message = str(record.msg)
        self.sink.append(f"{record.name.split('.')[0]}: {' '.join(message.split())}")


@contextmanager
def captured_messages() -> Iterator[list[str]]:
    """Collect library log records (WARNING and above) and Python warnings raised inside the block.

    Yields a list that holds, once the block ends, each distinct message once ("pypdf: EOF marker
    not found"), at most ``MAX_MESSAGES`` of them and then how many more there were. Nothing the
    block logs through these loggers reaches stderr meanwhile.
    """
    with _CAPTURE_LOCK, _captured() as out:
        yield out


@contextmanager
def _captured() -> Iterator[list[str]]:
    raw: list[str] = []
    handler = _Collector(raw)
    saved = []
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate))
        logger.addHandler(handler)
        logger.propagate = False
    out: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield out
        raw.extend(f"{w.category.__name__}: {' '.join(str(w.message).split())}" for w in caught)
    finally:
        for logger, propagate in saved:
            logger.removeHandler(handler)
            logger.propagate = propagate
        distinct = list(dict.fromkeys(raw))
        out.extend(distinct[:MAX_MESSAGES])
        if len(distinct) > MAX_MESSAGES:
            out.append(f"... and {len(distinct) - MAX_MESSAGES} more library messages")
