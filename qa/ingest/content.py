"""What a format reader gives back: the texts it extracted from one file (``Extracted``, with the
metadata found next to them) and the problems it met (``FileContent``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Extracted:
    """Plain text taken from a file, with the metadata found next to it (``None`` when absent).

    ``pages`` holds the offset in ``text`` where each page starts (PDF only; the first is 0).
    ``key`` and ``line`` name a record inside a multi-document file (``.jsonl``: its ``id`` and
    1-based line number). ``key_is_doc_id`` says the key is the document's whole id (a BEIR
    record's ``_id``, which relevance judgements name as it is), not one to prefix with the file's.
    """

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    pages: tuple[int, ...] = ()
    key: str | None = None
    line: int | None = None
    key_is_doc_id: bool = False
    #: (start, end) spans of ``text`` that the file marks as code (markdown fences, HTML ``<pre>``).
    code: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class FileContent:
    """What a reader got from one file: its documents and its problems (partial or fatal)."""

    records: tuple[Extracted, ...]
    problems: tuple[str, ...] = field(default_factory=tuple)



def clean_value(value: object) -> str | None:
    """A metadata value as a stripped one-line string, or None if it is empty or not a scalar."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None
