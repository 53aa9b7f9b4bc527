"""Cleaning without moving offsets: each non-blank line of a text is kept for indexing or left out
as web boilerplate (ad markers, calls to action, language menus, navigation bullets, repeated
headlines, fragments), and the title and date are picked from the kept lines. The text itself is
never edited, so every offset still points into the original."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from qa.ingest.blocks import code_lines, continues, ends_like_sentence, wrap_width  # noqa: F401
from qa.types import Segment

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


_AD_MARKER = re.compile(r"^\[?\s*(?:ad|ads|advert|advertisement|sponsored)(?:[_\s-]?\d+)?\s*\]?$", re.I)


# Short lines that are only there to make a reader click: checked on lines of at most 12 words.
_CALL_TO_ACTION = re.compile(
    r"\b(?:log ?in|sign ?in|sign ?up|subscribe|share (?:this|on|it)|follow us|"
    r"cookies?|all rights reserved|source link|read more|click here|newsletter|comments? below|"
    r"thumbs up|print this|email this|related (?:posts|articles)|advertisement)\b",
    re.I,
)


# Phrases that mark a line as a call to action whatever its length.
_STRONG_CALL_TO_ACTION = re.compile(
    r"(?:log ?in|sign ?in) or (?:subscribe|sign ?up|register)|don.t forget to subscribe|"
    r"subscribe (?:to|for) (?:our|the|more)|share (?:it|this) with (?:others|friends)|"
    r"in the comments below",
    re.I,
)


_BULLET = re.compile(r"^\s*[•·▪►»|>\-–—*]\s*")


_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4})\b"
)


_WORD = re.compile(r"\w+", re.UNICODE)




_LANGUAGE_NAMES = {
    "english", "français", "francais", "deutsch", "español", "espanol", "italiano", "português",
    "portugues", "русский", "日本語", "中文", "한국어", "한어", "العربية", "türkçe", "polski",
    "nederlands", "svenska", "suomi", "suomalainen", "ελληνικά", "indonesian", "bahasa", "latina",
    "sanskrit", "हिन्दी", "tiếng", "việt", "ไทย", "українська", "简体", "繁體",
}


def _scripts(line: str) -> set[str]:
    """The Unicode scripts (first word of the character name) of the letters in ``line``."""
    found = set()
    for ch in line:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            found.add(name.split(" ")[0] if name else "?")
    return found


#: Headlines and section titles are shorter than this many words; a longer line that does not
#: close like a sentence is a sentence whose full stop is missing ("July 24th article in the New
#: York Times, titled: China is narrowing the gap ... in the field of artificial intelligence").
PROSE_WORDS = 20


def reads_as_prose(line: str) -> bool:
    """True when ``line`` is long enough to be a sentence, closed like one or not (``PROSE_WORDS``)."""
    return len(_WORD.findall(line)) >= PROSE_WORDS


def classify_line(line: str, seen: set[str]) -> tuple[bool, str]:
    """Decide whether one stripped, non-empty line is indexed; returns (kept, reason if not)."""
    words = _WORD.findall(line)
    n_words = len(words)
    normalized = " ".join(w.lower() for w in words)
    if not words:
        return False, "no words"
    if _AD_MARKER.match(line):
        return False, "ad marker"
    if _STRONG_CALL_TO_ACTION.search(line) or (n_words <= 12 and _CALL_TO_ACTION.search(line)):
        return False, "call to action"
    terminal = ends_like_sentence(line)
    lowered = line.lower()
    language_hits = sum(1 for name in _LANGUAGE_NAMES if name in lowered)
    if not terminal and (language_hits >= 3 or (len(_scripts(line)) >= 3 and n_words <= 20)):
        return False, "language menu"
    if normalized in seen and n_words <= 60:
        return False, "repeated line"
    if _BULLET.match(line) and n_words <= 12 and not terminal:
        return False, "navigation"
    if n_words < 3 and not terminal:
        return False, "fragment"
    return True, ""


def segment_text(text: str, code: Sequence[tuple[int, int]] = ()) -> tuple[Segment, ...]:
    """Split ``text`` into non-blank line segments and classify each; offsets are exact.

    Each segment says whether it is kept, whether it is code or program output (``kind``: a line
    inside one of the ``code`` spans the reader found, e.g. a markdown fence, or one that looks
    like code, ``qa.ingest.blocks.code_lines``), and whether it continues the paragraph of the
    segment before it (``joined``: a soft-wrapped line of prose, or the next line of a code block).
    A kept paragraph's wrapped lines are kept with it, whatever their own shape (a two-word tail
    line is not a "fragment").
    """
    lines: list[tuple[int, int, int]] = []  # (line start, content start, content end)
    adjacent: list[bool] = []
    blank_before = True
    for match in _LINE.finditer(text):
        raw = match.group(0)
        if not raw:
            break
        content = raw.rstrip("\r\n")
        if not content.strip():
            blank_before = True
            continue
        # Leading BOM or zero-width characters are not part of the line's content.
        lead = len(content) - len(content.lstrip().lstrip("\ufeff\u200b").lstrip())
        start = match.start() + lead
        end = match.start() + len(content.rstrip())
        if start >= end:
            blank_before = True
            continue
        lines.append((match.start(), start, end))
        adjacent.append(not blank_before)
        blank_before = False
    raw_lines = [text[a:e] for a, _, e in lines]
    is_code = _code_flags(text, lines, raw_lines, adjacent, code)
    prose_above = [len(raw_lines[i - 1].strip()) for i in range(1, len(lines))
                   if adjacent[i] and not is_code[i] and not is_code[i - 1]]
    width = wrap_width(prose_above)
    segments: list[Segment] = []
    seen: set[str] = set()
    for i, (_, start, end) in enumerate(lines):
        line = text[start:end]
        previous = segments[-1] if segments and adjacent[i] else None
        if is_code[i]:
            joined = previous is not None and previous.kind == "code"
            segments.append(Segment(start, end, True, "", "code", joined))
            continue
        joined = (previous is not None and previous.kept and previous.kind == "prose"
                  and continues(raw_lines[i - 1], line, width))
        kept, reason = (True, "") if joined else classify_line(line, seen)
        segments.append(Segment(start, end, kept, reason, "prose", joined))
        if kept:  # a headline repeated after a dropped navigation line is still the headline
            seen.add(" ".join(w.lower() for w in _WORD.findall(line)))
    return tuple(segments)


def _code_flags(text: str, lines, raw_lines: list[str], adjacent: list[bool],
                code: Sequence[tuple[int, int]]) -> list[bool]:
    """Which lines are code: inside a span the reader marked, or shaped like code. A run of code
    lines without a single word (a ruler "-----" alone) is not code."""
    flags = code_lines(raw_lines, adjacent)
    for k, (_, start, end) in enumerate(lines):
        if any(a <= start and end <= b for a, b in code):
            flags[k] = True
    i = 0
    while i < len(flags):
        if not flags[i]:
            i += 1
            continue
        j = i + 1
        while j < len(flags) and flags[j] and adjacent[j]:
            j += 1
        if not any(_WORD.search(raw_lines[k]) for k in range(i, j)):
            for k in range(i, j):
                flags[k] = False
        i = j
    return flags


def pick_title(text: str, segments: tuple[Segment, ...], fallback: str, max_chars: int = 150) -> str:
    """The headline: a short capitalised first line ("Sea otters"), else the first kept line of
    three or more words; shortened at a word boundary."""
    if segments and segments[0].reason == "fragment":
        first = text[segments[0].start:segments[0].end]
        if first[:1].isupper() or first[:1].isdigit():
            return first
    for seg in segments:
        line = text[seg.start:seg.end]
        if seg.kept and len(_WORD.findall(line)) >= 3:
            if len(line) <= max_chars:
                return line
            cut = line[:max_chars].rsplit(" ", 1)[0]
            return cut.rstrip(" ,;:") + "…"
    return fallback


def find_date(text: str, segments: tuple[Segment, ...], head_lines: int = 8) -> str | None:
    """A publication date written near the top of the document, as it is written, if any."""
    for seg in segments[:head_lines]:
        m = _DATE.search(text[seg.start:seg.end])
        if m:
            return m.group(1)
    return None
