"""The one hierarchy of errors the library raises.

Library code raises these; only the edges (CLI, UI) turn them into messages. Each message says what
went wrong and, where there is one, what to run to fix it.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error this package raises on purpose."""


class QuestionError(QAError, ValueError):
    """The question cannot be asked as given (empty, too long, not text)."""


class CorpusError(QAError):
    """The corpus folder cannot be read (missing, not a folder, nothing indexable in it)."""


class QAIndexError(QAError):
    """Base class for problems with the index folder."""


class IndexNotFoundError(QAIndexError, FileNotFoundError):
    """There is no index where one was expected."""


class UnknownCollectionError(IndexNotFoundError):
    """No collection has the name given (the message lists the ones there are)."""


class EmptyCollectionError(IndexNotFoundError):
    """The collection exists but has no index yet: no document was added to it."""


class IndexCorruptError(QAIndexError):
    """The index files are unreadable, truncated or inconsistent with each other."""


class IndexMismatchError(QAIndexError):
    """The index was built by another format version or another embedding model."""


class IndexUnverifiableError(IndexMismatchError):
    """The index's manifest records no checksum of some of its files (an index written by an older
    version, or a hand-made manifest), so what answers quote cannot be verified."""


class IndexChecksumError(IndexCorruptError):
    """A file of the index differs from the checksum its manifest recorded: it was altered in
    place since it was written, even if its size is the same."""


class IndexStaleError(QAIndexError):
    """The corpus changed since the index was built."""


class VectorStoreError(QAIndexError):
    """The engine that holds the passage vectors cannot be used: its package is not installed,
    its server cannot be reached, or it no longer has the index's vectors."""


class EmbedderError(QAError):
    """The embedding model could not be loaded or used."""


class EvaluationError(QAError, ValueError):
    """An evaluation file is malformed."""

