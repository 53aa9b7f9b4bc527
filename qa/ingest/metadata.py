"""Facts about a document itself (who wrote it, who translated it, which outlet published it and
when), found where the document states them. The questions that ask for them are read by
``qa.reader.metadata_questions``.

A question such as "Which outlet carried the report ...?" or "Who wrote the article ...?" is not
answered by any sentence of the article's body: its answer sits in a byline, a "Source:" line, a
date line or a breadcrumb, which cleaning leaves out of the passage index. ``document_fields``
finds those statements in a document's text, with exact offsets, so the extractor can cite them
like any other span (``text[start:end] == quote``). Pure functions over strings and segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The kinds of field a question can ask for.
FIELDS = ("author", "translator", "source", "date")


@dataclass(frozen=True)
class Field:
    """A statement of a document's metadata: ``text[start:end]`` is quoted, and
    ``text[value_start:value_end]`` is the value itself (highlighted)."""

    name: str
    start: int
    end: int
    value_start: int
    value_end: int


# --- where a document states its metadata --------------------------------------------------------

_NAME_VALUE = r"[^\W\d_][\w.’'&-]*(?:[ \t]+(?:(?:of|de|van|von|and|&)[ \t]+)?[^\W\d_][\w.’'&-]*){0,5}"
# "Author: Jane Doe", "Written by Jane Doe", "translated by Jane Doe", "Source: Global Times".
_LABELS = [
    ("author", r"(?:Authors?|Written by|Byline|Reporter|Reported by)[ \t]*[:：][ \t]*|(?:Written|Reported) by[ \t]+"),
    ("translator", r"(?:Translators?|Translated by)[ \t]*[:：][ \t]*|[Tt]ranslated by[ \t]+"),
    ("source", r"(?:Source|Publisher|Published by|Publication|Outlet)[ \t]*[:：][ \t]*|Published by[ \t]+"),
]
_LABELLED = [(name, re.compile(rf"(?<![\w])(?:{label})(?P<value>{_NAME_VALUE})"))
             for name, label in _LABELS]
# A header line that is only "By Jane Doe" (optionally "and John Roe").
_BY_LINE = re.compile(rf"^By[ \t]+(?P<value>{_NAME_VALUE})[ \t]*$")
_DATE_VALUE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?, \d{4}|"
    r"\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4})\b")
_BULLET = re.compile(r"^[\s•·*>|»›-]+")
_WORD = re.compile(r"\w+")
#: Metadata is looked for in the first lines of a document (labelled statements anywhere).
HEAD_LINES = 8


def word_key(text: str) -> str:
    """``text`` as its lower-case words joined by single spaces: the form names, titles and
    questions are compared in, whatever their punctuation and case."""
    return " ".join(_WORD.findall(text.lower()))


def _enclosing(text: str, start: int, end: int, line_start: int, line_end: int) -> tuple[int, int]:
    """The span to quote around a labelled value: its parenthetical if it sits in one, else its line."""
    open_at = text.rfind("(", line_start, start)
    if open_at != -1 and ")" not in text[open_at:start]:
        close_at = text.find(")", end, line_end)
        if close_at != -1:
            return open_at, close_at + 1
    return line_start, line_end


def _trim_value(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in ".,;:’'-":
        end -= 1
    return start, end


def document_fields(text: str, segments, title: str = "") -> tuple[Field, ...]:
    """Every statement of authorship, translation, source or date in ``text``, in text order.

    ``segments`` are the document's line segments (``qa.ingest.corpus.Segment``: ``start``, ``end``,
    ``kept``); ``title`` its headline, used to recognise a breadcrumb ("Site • Section • Title").
    Labelled statements ("Author: ...", "translated by ...", "Source: ...") count anywhere; a
    "By ..." line, a date line, an outlet line under the headline and a breadcrumb only in the
    first ``HEAD_LINES`` lines.
    """
    found: list[Field] = []
    for seg in segments:
        line = text[seg.start:seg.end]
        for name, pattern in _LABELLED:
            for m in pattern.finditer(line):
                vs, ve = _trim_value(text, seg.start + m.start("value"), seg.start + m.end("value"))
                if ve > vs:
                    qs, qe = _enclosing(text, vs, ve, seg.start, seg.end)
                    found.append(Field(name, qs, qe, vs, ve))
    head = list(segments[:HEAD_LINES])
    title_key = word_key(title)
    for i, seg in enumerate(head):
        line = text[seg.start:seg.end]
        m = _BY_LINE.match(line)
        if m:
            vs, ve = _trim_value(text, seg.start + m.start("value"), seg.start + m.end("value"))
            found.append(Field("author", seg.start, seg.end, vs, ve))
        m = _DATE_VALUE.search(line)
        if m and len(_WORD.findall(line)) <= 25:
            found.append(Field("date", seg.start, seg.end, seg.start + m.start(), seg.start + m.end()))
    found.extend(_outlet_fields(text, head, title_key))
    unique = {(f.name, f.value_start, f.value_end): f for f in found}
    return tuple(sorted(unique.values(), key=lambda f: (f.start, f.name)))


def _outlet_fields(text: str, head, title_key: str) -> list[Field]:
    """The outlet named by a breadcrumb that ends with the headline ("Site • Posts • Title"), or
    by a short capitalised line right under the headline ("ICARO Media Group")."""
    out: list[Field] = []
    keys = [word_key(text[s.start:s.end]) for s in head]
    if title_key:
        for i, seg in enumerate(head):
            line = text[seg.start:seg.end]
            if not _BULLET.match(line) or keys[i] == title_key:
                continue
            # A bulleted first item followed, within a few lines, by the headline: a breadcrumb.
            if any(k == title_key for k in keys[i + 1:i + 4]):
                lead = len(_BULLET.match(line).group(0))
                vs, ve = _trim_value(text, seg.start + lead, seg.end)
                if 1 <= len(_WORD.findall(text[vs:ve])) <= 5:
                    out.append(Field("source", vs, ve, vs, ve))
            break
        for i, seg in enumerate(head[:-1]):
            if keys[i] != title_key:
                continue
            nxt = head[i + 1]
            line = text[nxt.start:nxt.end]
            words = line.split()
            if (1 <= len(words) <= 5 and not re.search(r"[.!?:;,\d]$", line)
                    and all(w[0].isupper() for w in words if w.lower() not in {"of", "and", "&", "the"})
                    and not _DATE_VALUE.search(line) and word_key(line) != title_key):
                out.append(Field("source", nxt.start, nxt.end, nxt.start, nxt.end))
            break
    return out
