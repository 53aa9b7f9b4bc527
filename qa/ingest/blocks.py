"""Which lines of a text belong together, and which are code: the layout decisions of cleaning.

Two questions about the lines of an extracted text, answered without editing it:

- Is a line *code or program output* (an interactive session, a shell command, a log line, a
  table row, a line of source code)? Such lines are kept and citable, but they are not prose:
  ``qa.ingest.chunk`` cuts them at line ends, not into sentences, and the reader does not offer
  them as answers to prose questions.
- Does a prose line *continue the previous line's paragraph* (a soft wrap of a hard-wrapped file,
  a documentation page that kept its ~80-column source wraps)? Then the sentence splitter reads
  the newline between them as a space. Blank lines, list items, headings and code stay breaks.

Pure functions over strings; offsets are never moved.
"""

from __future__ import annotations

import re
from typing import Sequence


#: A prompt of an interactive session or a shell ("$ pip install", ">>> f(2)", "In [3]:", "C:\>").
_PROMPT = re.compile(r"^\s*(?:>>>|\.\.\.(?= |$)|\$ \S|In \[\d*\]:|Out\[\d*\]:|[A-Z]:\\[^>\s]*>|PS [^>]*>|"
                     r"\w[\w.@-]*[:~][^\s]*[$#] \S)")
#: A log line: a timestamp or a level first ("2024-01-02 10:11:12 INFO ...", "[12:00:01]", "ERROR: x").
_LOG = re.compile(r"^\s*\[?(?:\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}|\d{1,2}:\d{2}:\d{2}\b|"
                  r"(?:DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|TRACE)(?:\]|:|\s{2,}|\s+-\s))")
#: A table row: tab-separated cells, pipe-delimited cells, or a ruler ("----+----", "=== ===").
_TABLE = re.compile(r"^\s*(?:\S[^\t]*\t+\S|\|.*\|\s*$|[-=+|:_ ]*[-=]{3}[-=+|:_ ]*$)")
#: Cells aligned by runs of spaces: three or more columns ("alpha   1.0   ok").
_COLUMNS = re.compile(r"\S(?<![.!?:;,]) {2,}\S.*\S(?<![.!?:;,]) {2,}\S")
#: Source code: a block opening or closing ("{", "}"), a Python block head ("if x(y):"), a keyword
#: opening a line, an assignment or call with no prose around it. (Lines ending in ";" or "):"
#: are too often prose: "(OR = 3.8;", "(P < 0.05):".)
_SOURCE = re.compile(r"[{}]\s*$|^\s*(?:if|elif|for|while|with|except)\b.*\):\s*$|^\s*(?:[{}]|def \w+\(|class \w+\s*[(:{]|"
                     r"import [\w.]+(?:\s*,\s*[\w.]+)*\s*;?$|from [\w.]+ import \w|#include|@\w+(?:\(|$)|"
                     r"(?:public|private|static|fn|func|const|let|var|return) [^=]*[=({;]|"
                     r"</?\w+[^>]*>\s*$|[\w.\[\]]+ ?(?:=|\+=|:=) ?\S+$|[A-Za-z_][\w.]*\w\([^)]*\)$)")
#: A list item: a bullet or an enumeration mark, then text.
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•·▪►–—]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,3}\))\s+\S")
_WORD = re.compile(r"\w+")
#: A line that ends on a word that cannot end an English sentence or heading (an article, a
#: preposition, a conjunction) or on a comma: the next line goes on with it.
_OPEN_END = re.compile(r"(?:,|\b(?:a|an|the|of|to|in|on|at|by|for|from|with|and|or|but|nor|that|"
                       r"which|who|whose|as|than|into|onto|upon|its|their|his|her|our|your|is|are|"
                       r"was|were|be|been|has|have|had|not|this|these|those)\b)$")
# Sentence punctuation (Latin or CJK), possibly inside closing quotes or brackets, or a closer alone.
_TERMINAL = re.compile(r"(?:[.!?…。！？][\"'”’)\]]*|[\"”’)\]])\s*$")


#: A full stop, question or exclamation mark at the end, possibly inside closers: a sentence ends
#: here. (A closing bracket alone, "... imaging (MRI)", does not end one.)
_CLOSES = re.compile(r"[.!?…。！？][\"'”’)\]]*\s*$")


#: A line that ends on a short word with a full stop ("C.", "vs.", "e.g.", "al."): more often an
#: abbreviation than the end of a sentence, when the next line goes on in lower case.
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:[A-Za-z]{1,3}\.|[a-z]\.[a-z]\.)$")


def ends_like_sentence(line: str) -> bool:
    """True when ``line`` closes like a sentence (full stop, question or exclamation mark, in any
    script, possibly followed by closing quotes or brackets), not like a heading or menu item."""
    return bool(_TERMINAL.search(line))


def is_code_line(line: str) -> bool:
    """True when ``line`` reads as code or program output rather than prose."""
    return bool(_PROMPT.match(line) or _LOG.match(line) or _TABLE.match(line) or _SOURCE.search(line)
                or _COLUMNS.search(line) and _short_cells(line))


def _short_cells(line: str) -> bool:
    """Three or more cells between runs of spaces, none longer than three words ("alpha   12   ok"),
    not a title with a double space in it."""
    cells = re.split(r"\s{2,}", line.strip())
    return len(cells) >= 3 and all(len(cell.split()) <= 3 for cell in cells)


def is_list_item(line: str) -> bool:
    """True when ``line`` opens a list item ("- milk", "2. Stir", "(a) ...")."""
    return bool(_LIST_ITEM.match(line))


def _is_prompt(line: str) -> bool:
    return bool(_PROMPT.match(line))


def _reads_as_prose(line: str) -> bool:
    """A line that is a sentence of prose: it closes like one and has several lower-case words."""
    words = _WORD.findall(line)
    return ends_like_sentence(line) and len(words) >= 6 and sum(w.islower() for w in words) >= 4


def code_lines(lines: Sequence[str], adjacent: Sequence[bool]) -> list[bool]:
    """Which of the non-blank ``lines`` (raw, indentation included) are code or program output.

    ``adjacent[i]`` is True when line ``i`` directly follows line ``i - 1`` (no blank line between).
    A line is code when it looks like code itself (``is_code_line``); when it follows a prompt or
    code line in the same block and does not read as a prose sentence (the output of a command:
    "294", "Traceback ..."); or when it is part of a block whose every line is indented by four
    spaces or a tab and which holds code or no sentence (an indented code block in plain text).
    """
    n = len(lines)
    code = [is_code_line(line) and not _reads_as_prose(line.strip()) for line in lines]
    # Output under a prompt, until a blank line or a line of prose.
    for i in range(1, n):
        if not code[i] and adjacent[i] and code[i - 1] and _after_prompt(lines, adjacent, i) \
                and not _reads_as_prose(lines[i].strip()) and not is_list_item(lines[i]):
            code[i] = True
    # Indented blocks.
    i = 0
    while i < n:
        j = i + 1
        while j < n and adjacent[j]:
            j += 1
        block = range(i, j)
        if all(lines[k].startswith(("    ", "\t")) for k in block) and \
                (any(code[k] for k in block) or not any(ends_like_sentence(lines[k]) for k in block)) and \
                not all(lines[k].startswith(("    ", "\t")) for k in range(n)):
            for k in block:
                code[k] = True
        i = j
    return code


def _after_prompt(lines: Sequence[str], adjacent: Sequence[bool], i: int) -> bool:
    """True when a prompt line opens the run of adjacent code lines that ends just before ``i``."""
    k = i - 1
    while k >= 0:
        if _is_prompt(lines[k]):
            return True
        if k == 0 or not adjacent[k]:
            return False
        k -= 1
    return False


def wrap_width(lengths: Sequence[int]) -> int | None:
    """The column a hard-wrapped text was filled to, or None when its lines are not wrapped.

    ``lengths`` are the lengths of the prose lines that have another line right under them (the
    ones that may have been wrapped). A wrapped text has most of them close to one width of at
    most 150 columns; a text with one paragraph per line has lengths all over the place.
    """
    lengths = [n for n in lengths if n >= 20]  # headings and short labels say nothing of the width
    if len(lengths) < 3:
        return None
    ordered = sorted(lengths)
    width = ordered[int(0.9 * (len(ordered) - 1))]
    if not 30 <= width <= 150:
        return None
    full = sum(1 for n in lengths if 0.6 * width <= n <= width + 10)
    return width if full >= 0.6 * len(lengths) else None


def continues(previous: str, line: str, width: int | None) -> bool:
    """True when prose ``line`` continues the paragraph of ``previous``, the line right above it.

    A line that opens a list item never does. A line starting in lower case (or with a closing
    punctuation mark) continues a line that does not close like a sentence. In a hard-wrapped text
    (``width``), a line also continues one that was nearly full (its first word did not fit on it)
    and that does not end a sentence. A short line without a full stop is a heading and ends its
    paragraph; a line that ends with a full stop ends it too (the sentence ends there anyway).
    """
    previous, line = previous.rstrip(), line.strip()
    if not previous or not line or is_list_item(line):
        return False
    first = line[0]
    if (first.islower() or first in ",;:)]}%") and (not _CLOSES.search(previous) or _ABBREVIATION.search(previous)):
        return True  # "... imaging (MRI)" / "sequence ...", "in C." / "albicans"
    if _OPEN_END.search(previous):
        return True  # "... until the spring of" / "1973."
    if width is None or _CLOSES.search(previous):
        return False  # a sentence that ends at a line end is split there anyway
    first_word = line.split(None, 1)[0]
    return len(previous) + 1 + len(first_word) >= 0.8 * width and len(previous) >= 0.6 * width
